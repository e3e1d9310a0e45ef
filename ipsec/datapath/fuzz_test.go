package datapath

import (
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/spd"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// idle is a device and transport that never deliver anything, so the fuzz
// target alone feeds the inbound path.
type idle struct{ done chan struct{} }

func (d idle) Read([][]byte, []int, int) (int, error)      { <-d.done; return 0, errIdle }
func (d idle) Write(b [][]byte, _ int) (int, error)        { return len(b), nil }
func (d idle) BatchSize() int                              { return 8 }
func (d idle) ReadBatch([]socket.Datagram) (int, error)    { <-d.done; return 0, errIdle }
func (d idle) WriteBatch(m []socket.Datagram) (int, error) { return len(m), nil }
func (d idle) LocalAddr() netip.AddrPort                   { return netip.AddrPort{} }
func (d idle) Close() error                                { return nil }

var errIdle = ErrNotSent

// FuzzInbound feeds any datagram through the inbound path of an engine with
// one SA installed: classification, SA lookup, replay check, decryption and
// inner checks. Nothing may panic, and no buffer may be lost or added.
func FuzzInbound(f *testing.F) {
	gcm := suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}
	key := make([]byte, 20)
	inP := esp.Params{SPI: 0x1000, Encr: gcm, EncrKey: key, ESN: true}
	peer, _ := esp.New(inP)
	var s esp.Scratch
	seed := func(inner []byte, seq uint64, next byte) []byte {
		buf := make([]byte, 24+len(inner)+64)
		copy(buf[24:], inner)
		start, end, _ := peer.Seal(&s, buf, 24, len(inner), seq, next)
		return buf[start:end]
	}
	v4 := []byte{0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 203, 0, 113, 5, 198, 18, 0, 1, 0, 53, 0x30, 0x39, 0, 8, 0, 0}
	f.Add(seed(v4, 1, esp.NextIPv4))
	f.Add(seed(append(v4, 0, 0, 0, 0), 2, esp.NextIPv4)) // TFC padding
	f.Add(seed(v4, 3, esp.NextDummy))
	f.Add(seed(v4, 1<<32+5, esp.NextIPv6))
	f.Add([]byte{0xff})
	f.Add([]byte{0, 0, 0, 0, 1, 2, 3, 4})

	d := idle{done: make(chan struct{})}
	e, err := New(Config{Device: d, UDP: d, Workers: 1})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { close(d.done); e.Close() })
	e.SetIKEHandler(func([]byte, netip.AddrPort) {})
	err = e.Install(ChildSA{
		ReqID: 1, In: inP,
		Out:  esp.Params{SPI: 0x2000, Encr: gcm, EncrKey: key},
		Peer: netip.MustParseAddrPort("203.0.113.1:4500"),
		Selectors: []spd.Selector{{
			Local:  netip.MustParsePrefix("198.18.0.0/16"),
			Remote: netip.MustParsePrefix("203.0.113.0/24"),
		}},
	})
	if err != nil {
		f.Fatal(err)
	}
	cs := new(cryptoScratch)
	f.Fuzz(func(t *testing.T, data []byte) {
		x := e.inElems.get(e.done)
		n := copy(x.buf, data)
		x.sa, x.drop = nil, sad.DropNone
		if e.classify(x, socket.Datagram{Buf: x.buf[:n], Addr: netip.MustParseAddrPort("203.0.113.1:4500")}, true) {
			e.open(cs, x)
			if x.drop == sad.DropNone && (x.start < e.cfg.DeviceOffset || x.end > n || x.start > x.end) {
				t.Fatalf("inner packet bounds %d:%d of %d", x.start, x.end, n)
			}
		}
		e.inElems.put(x)
		e.inElems.mu.Lock()
		grew := e.inElems.made > e.inElems.max
		e.inElems.mu.Unlock()
		if grew || e.acquiring.Load() != 0 {
			t.Fatal("pool grew")
		}
	})
}
