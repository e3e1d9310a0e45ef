package linux

import (
	"encoding/json"
	"net"
	"net/netip"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/linux/testnet"
	"golang.org/x/sys/unix"
)

// TestSystemTunnelQueueDrops routes a flood into the TUN device and reads
// none of it: the device keeps its queue's worth (txqueuelen, 500) and
// drops the rest, which QueueDrops reports.
func TestSystemTunnelQueueDrops(t *testing.T) {
	testnet.RequireRoot(t)
	ns := testnet.NewNamespace(t, "drop")
	dir := t.TempDir()
	opts := Options{StateDir: filepath.Join(dir, "state"), DNS: DNSFile, ResolvConf: filepath.Join(dir, "resolv.conf")}
	var tun platform.Tunnel
	err := ns.Do(func() error {
		n, err := New(opts)
		if err != nil {
			return err
		}
		if tun, err = n.Open("work"); err != nil {
			return err
		}
		return tun.Set(&platform.Config{
			VirtualIPs:      []netip.Prefix{pfx("198.18.0.1/32")},
			RemoteSelectors: []netip.Prefix{pfx("203.0.113.0/24")},
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ns.Do(tun.Close) })
	d := tun.(platform.QueueDropper)
	var before uint64
	if err := ns.Do(func() (err error) { before, err = d.QueueDrops(); return err }); err != nil {
		t.Fatalf("QueueDrops: %v", err)
	}

	const sent = 2000
	err = ns.Do(func() error {
		c, err := net.Dial("udp4", "203.0.113.99:9")
		if err != nil {
			return err
		}
		defer c.Close()
		payload := make([]byte, 100)
		for range sent {
			if _, err := c.Write(payload); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatalf("send into the tunnel: %v", err)
	}
	// The device's queue fills in the sender's system calls, or soon
	// after if the kernel defers the transmit to its softirq thread: wait
	// for the count, five seconds at most.
	var after uint64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if err := ns.Do(func() (err error) { after, err = d.QueueDrops(); return err }); err != nil {
			t.Fatalf("QueueDrops: %v", err)
		}
		if after-before >= sent-600 || time.Now().After(deadline) {
			break
		}
	}
	if got := after - before; got < sent-600 || got > sent {
		t.Errorf("%d datagrams into an unread TUN device: %d dropped, want %d less its queue of 500", sent, got, sent)
	}
	// ip(8) tells the same count.
	var links []struct {
		Stats64 struct {
			TX struct {
				Dropped uint64 `json:"dropped"`
			} `json:"tx"`
		} `json:"stats64"`
	}
	out := ns.MustRun("ip", "-j", "-s", "link", "show", "espresso0")
	if err := json.Unmarshal([]byte(out), &links); err != nil || len(links) != 1 {
		t.Fatalf("ip -j -s link: %v\n%s", err, out)
	}
	if links[0].Stats64.TX.Dropped != after {
		t.Errorf("QueueDrops = %d, ip shows TX dropped %d", after, links[0].Stats64.TX.Dropped)
	}

	if err := ns.Do(tun.Close); err != nil {
		t.Fatal(err)
	}
	if _, err := d.QueueDrops(); err == nil {
		t.Error("QueueDrops after Close: no error")
	}
}

// TestSystemRawESPQueueDrops sends ESP to a raw ESP socket nobody reads,
// more than its receive buffer holds.
func TestSystemRawESPQueueDrops(t *testing.T) {
	testnet.RequireRoot(t)
	ns := testnet.NewNamespace(t, "drop")
	ns.MustRun("ip", "link", "set", "lo", "up")
	lo := ip("127.0.0.1")
	var rcv, snd socket.Transport
	err := ns.Do(func() (err error) {
		if rcv, err = listenRawESP(platform.RawESPConfig{Local: lo}); err != nil {
			return err
		}
		snd, err = listenRawESP(platform.RawESPConfig{Local: lo})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	defer rcv.Close()
	defer snd.Close()
	// The kernel's least buffer holds a handful of packets.
	rc, err := rcv.(*rawESP).conn.(syscall.Conn).SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_RCVBUF, 4096)
	}); err != nil || serr != nil {
		t.Fatalf("SO_RCVBUF: %v %v", err, serr)
	}
	d := rcv.(platform.QueueDropper)
	if n, err := d.QueueDrops(); n != 0 || err != nil {
		t.Fatalf("new socket: QueueDrops = %d, %v", n, err)
	}

	const sent = 256
	msgs := make([]socket.Datagram, 32)
	for i := range msgs {
		// An SPI and a sequence number, then padding to 1000 bytes.
		msgs[i] = socket.Datagram{Buf: make([]byte, 1000), Addr: netip.AddrPortFrom(lo, 0)}
		msgs[i].Buf[3] = 1
	}
	for left := sent; left > 0; {
		n, err := snd.WriteBatch(msgs[:min(left, len(msgs))])
		if err != nil {
			t.Fatalf("send: %v", err)
		}
		left -= n
	}
	// Loopback delivers in the sender's system call or soon after, in the
	// kernel's softirq thread: wait for the count, five seconds at most.
	var n uint64
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if n, err = d.QueueDrops(); err != nil {
			t.Fatalf("QueueDrops: %v", err)
		}
		if n >= sent/2 || time.Now().After(deadline) {
			break
		}
	}
	if n < sent/2 || n > sent {
		t.Errorf("%d packets into a full buffer: QueueDrops = %d, want most of them", sent, n)
	}
}
