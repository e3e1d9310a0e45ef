package datapath_test

import (
	"encoding/binary"
	"fmt"
	"net/netip"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/datapath/datapathtest"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/socket/sockettest"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// pathTransport counts the batches written by the device reader itself
// (inline) and by the engine's writer goroutine (through the queues).
type pathTransport struct {
	*sockettest.Transport
	inline, queued atomic.Int64
}

func (p *pathTransport) WriteBatch(msgs []socket.Datagram) (int, error) {
	if fromDeviceReader() {
		p.inline.Add(1)
	} else {
		p.queued.Add(1)
	}
	return p.Transport.WriteBatch(msgs)
}

// fromDeviceReader reports whether the engine's device reader is the
// calling goroutine.
func fromDeviceReader() bool {
	pcs := make([]uintptr, 32)
	frames := runtime.CallersFrames(pcs[:runtime.Callers(2, pcs)])
	for {
		f, more := frames.Next()
		if strings.HasSuffix(f.Function, ").readDevice") {
			return true
		}
		if !more {
			return false
		}
	}
}

// TestOrderInlineAndQueued sends the packets of two Child SAs in trickles
// (each batch written by the device reader itself), in bursts (through the
// queues) and in bursts held up by a far side that stops reading, and
// installs one of the SAs, a trap's, during such a burst, releasing the
// packets its policy held. The far side must see the packets of each SA
// in sequence-number order, none missing, and both ways of writing must
// have been taken.
func TestOrderInlineAndQueued(t *testing.T) {
	ta, tb := sockettest.Pipe(addrA, addrB, 4, 32)
	tr := &pathTransport{Transport: ta}
	dev := datapathtest.NewDevice(32, 4096)
	e, err := datapath.New(datapath.Config{Device: dev, UDP: tr, Backpressure: true, AcquireQueue: 1024, AcquireTotal: 1024})
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		dev.Close()
		ta.Close()
		tb.Close()
		e.Close()
	}()
	nets := []netip.Prefix{netip.MustParsePrefix("198.19.1.0/24"), netip.MustParsePrefix("198.19.2.0/24")}
	sas := make([]datapath.ChildSA, 2)
	for i := range sas {
		sas[i], _ = childSAs(uint32(i+1), uint32(0x1000+i), uint32(0x2000+i), gcm128, 0, false)
		sas[i].Selectors = []spd.Selector{{Local: netip.MustParsePrefix("198.18.0.0/16"), Remote: nets[i]}}
	}
	if err := e.InstallTrap(1, sas[0].Selectors); err != nil {
		t.Fatal(err)
	}
	if err := e.Install(sas[1]); err != nil {
		t.Fatal(err)
	}

	// The far side: reads while gate lets it, and checks the order.
	var gate sync.Mutex
	var arrived atomic.Int64
	wake := make(chan struct{}, 1)
	bad := make(chan string, 1)
	go func() {
		last := map[uint32]uint32{}
		msgs := make([]socket.Datagram, 32)
		for {
			gate.Lock()
			//lint:ignore SA2001 the far side waits while the test holds gate.
			gate.Unlock()
			n, err := tb.ReadBatch(msgs)
			if err != nil {
				return
			}
			for _, m := range msgs[:n] {
				spi, seq := binary.BigEndian.Uint32(m.Buf), binary.BigEndian.Uint32(m.Buf[4:])
				if seq != last[spi]+1 {
					select {
					case bad <- fmt.Sprintf("SPI %08x: sequence number %d after %d", spi, seq, last[spi]):
					default:
					}
				}
				last[spi] = seq
			}
			arrived.Add(int64(n))
			select {
			case wake <- struct{}{}:
			default:
			}
		}
	}()

	var id uint32
	inject := func(sa, n int) {
		for range n {
			id++
			dst := nets[sa].Addr().Next()
			if !dev.Inject(udpPacket(innerA4, dst, id, 200)) {
				t.Fatal("device closed")
			}
		}
	}
	var expect int64
	await := func(what string) {
		t.Helper()
		timer := time.NewTimer(10 * time.Second)
		defer timer.Stop()
		for arrived.Load() < expect {
			select {
			case <-wake:
			case s := <-bad:
				t.Fatal(s)
			case <-timer.C:
				t.Fatalf("%s: %d of %d packets arrived within 10 s", what, arrived.Load(), expect)
			}
		}
	}

	// Packets for the trap's policy wait for its SA.
	inject(0, 20)
	held := int64(20)
	installed := make(chan error, 1)
	for round := range 12 {
		sa := round % 2
		if sa == 0 && held > 0 && round < 6 {
			sa = 1 // the trap has no SA yet
		}
		switch round % 3 {
		case 0: // trickle: one packet at a time, nothing in flight
			for range 20 {
				inject(sa, 1)
				if sa == 1 || held == 0 {
					expect++
					await("trickle")
				} else {
					held++
				}
			}
		case 1: // burst: full batches through the queues
			inject(0, 50)
			inject(1, 50)
			if held == 0 {
				expect += 100
			} else {
				held += 50
				expect += 50
			}
			await("burst")
		case 2: // held-up burst, the trap's SA installed during one
			gate.Lock()
			inject(1, 100)
			inject(0, 50)
			expect += 100
			if held > 0 {
				held += 50
			} else {
				expect += 50
			}
			if round == 5 {
				go func() { installed <- e.Install(sas[0]) }()
			}
			gate.Unlock()
			if round == 5 {
				if err := <-installed; err != nil {
					t.Fatal(err)
				}
				expect += held
				held = 0
			}
			await("held-up burst")
		}
	}
	select {
	case s := <-bad:
		t.Fatal(s)
	default:
	}
	if tr.inline.Load() == 0 || tr.queued.Load() == 0 {
		t.Errorf("batches written inline %d, through the queues %d: want both", tr.inline.Load(), tr.queued.Load())
	}
	t.Logf("batches written inline %d, through the queues %d", tr.inline.Load(), tr.queued.Load())
}

// TestCloseDuringInlineWrite closes an engine whose device reader is
// blocked writing a batch itself, to a far side that reads nothing: Close
// returns once the owner has closed the transport and device.
func TestCloseDuringInlineWrite(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ta, tb := sockettest.Pipe(addrA, addrB, 1, 8)
		tr := &pathTransport{Transport: ta}
		dev := datapathtest.NewDevice(8, 64)
		e, err := datapath.New(datapath.Config{Device: dev, UDP: tr})
		if err != nil {
			t.Fatal(err)
		}
		forA, _ := childSAs(1, 0x1000, 0x2000, gcm128, 0, false)
		if err := e.Install(forA); err != nil {
			t.Fatal(err)
		}
		// The first packet fills the far side's queue of one, the writing
		// of the second waits for room.
		for i := range 2 {
			dev.Inject(udpPacket(innerA4, innerB4, uint32(i), 200))
			synctest.Wait()
		}
		if got := tr.inline.Load(); got != 2 {
			t.Fatalf("%d batches written inline, want 2 (queued %d)", got, tr.queued.Load())
		}
		if st := e.Stats(); st.PacketsOut != 1 {
			t.Fatalf("%d packets sent, want 1 with the second waiting", st.PacketsOut)
		}
		dev.Close()
		ta.Close()
		tb.Close()
		e.Close()
	})
}
