package ike_test

import (
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
)

var lanHost = netip.MustParseAddr("203.0.113.10")

// flow sends n packets one way and checks they all arrive in order.
type flow struct {
	from, to *peer
	src, dst netip.Addr
}

// run injects n packets paced by every, and reports how many arrived.
func (f flow) run(t *testing.T, n int, every time.Duration, wg *sync.WaitGroup, lost *int) {
	defer wg.Done()
	done := make(chan int)
	go func() {
		got := 0
		timeout := time.After(30 * time.Second)
		for got < n {
			select {
			case p := <-f.to.engine.dev.Received():
				if seqOf(p) != uint32(got) {
					t.Errorf("packet %d arrived as %d", seqOf(p), got)
				}
				got++
			case <-timeout:
				done <- got
				return
			}
		}
		done <- got
	}()
	for i := range n {
		f.from.engine.dev.Inject(udp4(f.src, f.dst, uint32(i), 100+i%900))
		if every > 0 {
			time.Sleep(every)
		}
	}
	*lost = n - <-done
}

func TestTrafficAndRekeys(t *testing.T) {
	cli, gw := pskConfigs(t)
	p := &pair{cliCfg: cli, gwCfg: gw, withEngine: true}
	p.start(t)
	ce := next[*ike.Established](t, p.cli)
	next[*ike.Established](t, p.gw)
	vip := ce.VirtualIPs[0]

	// Warm-up both ways, unpaced.
	var wg sync.WaitGroup
	var lostUp, lostDown int
	wg.Add(2)
	go flow{p.cli, p.gw, vip, lanHost}.run(t, 500, 0, &wg, &lostUp)
	go flow{p.gw, p.cli, lanHost, vip}.run(t, 500, 0, &wg, &lostDown)
	wg.Wait()
	if lostUp+lostDown != 0 {
		t.Fatalf("lost %d up, %d down before any rekey; drops: client %v, gateway %v", lostUp, lostDown, p.cli.engine.drops(), p.gw.engine.drops())
	}

	// Rekeys of both kinds, started by each side, under traffic.
	wg.Add(2)
	go flow{p.cli, p.gw, vip, lanHost}.run(t, 3000, 200*time.Microsecond, &wg, &lostUp)
	go flow{p.gw, p.cli, lanHost, vip}.run(t, 3000, 200*time.Microsecond, &wg, &lostDown)
	p.cli.d.RekeyChild()
	r1 := next[*ike.ChildRekeyed](t, p.cli)
	next[*ike.ChildRekeyed](t, p.gw)
	p.gw.d.RekeyChild()
	r2 := next[*ike.ChildRekeyed](t, p.gw)
	next[*ike.ChildRekeyed](t, p.cli)
	p.cli.d.RekeyIKE()
	next[*ike.IKERekeyed](t, p.cli)
	next[*ike.IKERekeyed](t, p.gw)
	p.gw.d.RekeyIKE()
	next[*ike.IKERekeyed](t, p.gw)
	next[*ike.IKERekeyed](t, p.cli)
	p.cli.d.RekeyChild()
	next[*ike.ChildRekeyed](t, p.cli)
	wg.Wait()
	if lostUp+lostDown != 0 {
		t.Fatalf("lost %d up, %d down across rekeys; drops: client %v, gateway %v", lostUp, lostDown, p.cli.engine.drops(), p.gw.engine.drops())
	}
	if r1.New.InSPI == r1.Old.InSPI || r2.New.OutSPI == r1.New.OutSPI {
		t.Fatalf("rekeys kept SPIs: %+v %+v", r1, r2)
	}

	// Delete from the client: both sides go down cleanly.
	p.cli.d.Terminate()
	if d := next[*ike.Down](t, p.cli); d.Err != nil {
		t.Fatalf("client down: %v", d.Err)
	}
	if d := next[*ike.Down](t, p.gw); d.Err != ike.ErrDeleted {
		t.Fatalf("gateway down: %v", d.Err)
	}
}
