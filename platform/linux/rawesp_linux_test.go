package linux

import (
	"net/netip"
	"os"
	"testing"

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
	big := platform.Datagram{Buf: make([]byte, 70000), Addr: netip.MustParseAddrPort("127.0.0.1:0")}
	n, err := tr.WriteBatch([]platform.Datagram{big})
	if err == nil || n != 0 {
		t.Fatalf("WriteBatch of an oversized packet = %d, %v; want 0 and an error", n, err)
	}
}
