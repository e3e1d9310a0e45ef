package linux

import (
	"net/netip"
	"os"
	"testing"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
)

// TestRawESPWriteFailure is a regression test: a batch the kernel refuses
// at its first packet made sendmmsg report -1, and WriteBatch returned -1
// packets sent.
func TestRawESPWriteFailure(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("skipping: a raw socket needs root")
	}
	tr, err := listenRawESP(platform.RawESPConfig{Local: ip("127.0.0.1")})
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	// No IPv4 packet holds 70000 bytes: the kernel refuses it (EMSGSIZE)
	// before anything leaves.
	big := socket.Datagram{Buf: make([]byte, 70000), Addr: netip.MustParseAddrPort("127.0.0.1:0")}
	n, err := tr.WriteBatch([]socket.Datagram{big})
	if err == nil || n != 0 {
		t.Fatalf("WriteBatch of an oversized packet = %d, %v; want 0 and an error", n, err)
	}
}

// TestRawESPKeepCopies is a regression test: after a dropped packet,
// ReadBatch moved the next packet down by swapping buffers, and the
// engine, which decrypts in the buffer it put at each index, read another
// packet's bytes.
func TestRawESPKeepCopies(t *testing.T) {
	bufs := [][]byte{make([]byte, 64), make([]byte, 64), make([]byte, 64)}
	msgs := make([]socket.Datagram, len(bufs))
	for i := range msgs {
		msgs[i].Buf = bufs[i][:0]
	}
	// Packet 0 was dropped; packet 1 arrived in bufs[1] and moves to index 0.
	copy(bufs[1], "second")
	from := netip.MustParseAddrPort("192.0.2.1:0")
	keep(msgs, 0, bufs[1][:6], from)
	if &msgs[0].Buf[0] != &bufs[0][0] {
		t.Fatal("msgs[0] no longer holds its own buffer")
	}
	if string(msgs[0].Buf) != "second" || msgs[0].Addr != from {
		t.Fatalf("msgs[0] = %q from %v, want \"second\" from %v", msgs[0].Buf, msgs[0].Addr, from)
	}
	// A packet that stays in place is not copied.
	copy(bufs[2], "third")
	keep(msgs, 2, bufs[2][:5], from)
	if &msgs[2].Buf[0] != &bufs[2][0] || string(msgs[2].Buf) != "third" {
		t.Fatalf("msgs[2] = %q, want \"third\" in its own buffer", msgs[2].Buf)
	}
}
