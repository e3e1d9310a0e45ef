package datapath_test

import (
	"github.com/espressovpn/espresso/ipsec/socket/sockettest"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/datapath/datapathtest"
	"github.com/espressovpn/espresso/ipsec/sad"
)

// TestTimeLifetimes runs an engine in a synctest bubble, whose clock moves
// only when every goroutine waits: the soft time limit raises one rekey
// event per SA of the Child SA, the hard limit one expire event each, and
// after it the SA carries nothing (RFC 4301 §4.4.2.1).
func TestTimeLifetimes(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ta, tb := sockettest.Pipe(addrA, addrB, 64, 8)
		dev := datapathtest.NewDevice(8, 64)
		e, err := datapath.New(datapath.Config{Device: dev, UDP: ta, Workers: 1})
		if err != nil {
			t.Fatal(err)
		}
		defer func() {
			dev.Close()
			ta.Close()
			tb.Close()
			e.Close()
		}()
		c, _ := childSAs(9, 0x1000, 0x2000, gcm128, 0, false)
		c.Lifetime = sad.Lifetime{Soft: sad.Limits{Time: 50 * time.Minute}, Hard: sad.Limits{Time: time.Hour}}
		if err := e.Install(c); err != nil {
			t.Fatal(err)
		}
		expect := func(when string, kind datapath.EventKind) {
			t.Helper()
			synctest.Wait()
			dirs := map[sad.Direction]uint32{}
			for range 2 {
				select {
				case ev := <-e.Events():
					if ev.Kind != kind || ev.ReqID != 9 || ev.Cause != sad.CauseTime {
						t.Fatalf("%s: event %+v, want kind %d for reqid 9 by time", when, ev, kind)
					}
					dirs[ev.Dir] = ev.SPI
				default:
					t.Fatalf("%s: %d of 2 events", when, len(dirs))
				}
			}
			if dirs[sad.Inbound] != 0x1000 || dirs[sad.Outbound] != 0x2000 {
				t.Fatalf("%s: events for SPIs %x", when, dirs)
			}
			select {
			case ev := <-e.Events():
				t.Fatalf("%s: extra event %+v", when, ev)
			default:
			}
		}
		quiet := func(when string) {
			t.Helper()
			synctest.Wait()
			select {
			case ev := <-e.Events():
				t.Fatalf("%s: event %+v", when, ev)
			default:
			}
		}

		time.Sleep(49*time.Minute + 58*time.Second)
		quiet("before the soft limit")
		time.Sleep(3 * time.Second)
		expect("at the soft limit", datapath.EventSoftExpire)
		time.Sleep(9 * time.Minute)
		quiet("between the limits")
		time.Sleep(time.Minute)
		expect("at the hard limit", datapath.EventHardExpire)
		time.Sleep(time.Hour)
		quiet("after the hard limit")

		// The expired SA no longer carries packets; the drop is counted.
		dev.Inject(udpPacket(innerA4, innerB4, 1, 100))
		synctest.Wait()
		if st := e.Stats(); st.Drops[sad.DropNoSA] != 1 || st.PacketsOut != 0 {
			t.Fatalf("after hard expiry: %+v", st)
		}
	})
}
