package conn

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/platformtest"
)

func guardedProfile(name string) api.Profile {
	p := profile(name)
	p.KillSwitch = true
	p.RemoteTS = []string{"198.51.100.0/24", "2001:db8:100::/48"}
	p.Exclude = []string{"198.51.100.128/25"}
	return p
}

func sameCalls(t *testing.T, ks *platformtest.KillSwitch, want ...string) {
	t.Helper()
	if got := ks.Calls(); !slices.Equal(got, want) {
		t.Errorf("kill switch calls\n got %q\nwant %q", got, want)
	}
}

// TestKillSwitchHoldsThroughReconnect follows the block through a whole
// life: engaged (down) before the first dial, up once connected, down
// again before the dropped session is closed, kept while reconnecting,
// lifted by Disconnect.
func TestKillSwitchHoldsThroughReconnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		ks := platformtest.NewKillSwitch()
		m := newTestManager(t, d, DefaultRetryPolicy, "work", WithKillSwitch(session.NewKillSwitch(ks)))
		s1 := newFakeSession()
		s1.peer = netip.MustParseAddrPort("203.0.113.9:4500")
		d.push(dialResult{s: s1})
		m.Connect(guardedProfile("work"))
		if _, err := m.Wait(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
		// The supervisor lifts the block to its connected form just after
		// it reports the state: let it get there.
		synctest.Wait()
		b := ks.Blocks()["work"]
		if !b.Up || len(b.Protected) != 2 || b.Exclude[0] != netip.MustParsePrefix("198.51.100.128/25") {
			t.Errorf("block while connected: %+v", b)
		}
		if !slices.Equal(b.Gateways, []netip.Addr{netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("203.0.113.9")}) {
			t.Errorf("gateways %v", b.Gateways)
		}
		time.Sleep(2 * time.Minute)
		d.push(dialResult{err: errors.New("gateway unreachable")})
		s1.drop(errors.New("network down"))
		time.Sleep(time.Second)
		synctest.Wait()
		if b, ok := ks.Blocks()["work"]; !ok || b.Up {
			t.Fatalf("no down block while reconnecting: %+v", b)
		}
		if err := m.Disconnect(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
		if len(ks.Blocks()) != 0 {
			t.Errorf("block left after Disconnect: %v", ks.Blocks())
		}
		sameCalls(t, ks, "engage work down", "engage work up", "engage work down", "release work")
	})
}

// TestKillSwitchFirstFailureReleases checks that a connection that never
// came up leaves no block behind.
func TestKillSwitchFirstFailureReleases(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		ks := platformtest.NewKillSwitch()
		m := newTestManager(t, d, DefaultRetryPolicy, "work", WithKillSwitch(session.NewKillSwitch(ks)))
		d.push(dialResult{err: errors.New("authentication failed")})
		m.Connect(guardedProfile("work"))
		m.Wait(context.Background(), "work")
		synctest.Wait()
		sameCalls(t, ks, "engage work down", "release work")
	})
}

// TestKillSwitchBrokenKeepsBlock lets a connection that had been up fail
// for good: the block stays until the user disconnects.
func TestKillSwitchBrokenKeepsBlock(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		ks := platformtest.NewKillSwitch()
		m := newTestManager(t, d, DefaultRetryPolicy, "work", WithKillSwitch(session.NewKillSwitch(ks)))
		s := newFakeSession()
		d.push(dialResult{s: s}, dialResult{err: permanentErr{"authentication failed"}})
		m.Connect(guardedProfile("work"))
		m.Wait(context.Background(), "work")
		s.drop(errors.New("the gateway deleted the IKE SA"))
		time.Sleep(time.Minute)
		synctest.Wait()
		if st, _ := m.StatusOf("work"); st.State != api.StateFailed {
			t.Fatalf("state %s", st.State)
		}
		if _, ok := ks.Blocks()["work"]; !ok {
			t.Fatal("a broken connection lost its block")
		}
		m.Disconnect(context.Background(), "work")
		if len(ks.Blocks()) != 0 {
			t.Error("Disconnect of a broken connection kept the block")
		}
	})
}

// TestKillSwitchCloseKeepsBlocks checks that a clean stop of the helper
// (Close, as on an upgrade or a restart) keeps every block, that of a
// broken connection included, in its "down" form since the tunnel goes
// with the helper; a new Manager then resumes both connections under
// their blocks, and only Disconnect lifts one.
func TestKillSwitchCloseKeepsBlocks(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		ks := platformtest.NewKillSwitch()
		m := NewManager(d, nopLog{}, DefaultRetryPolicy, WithKillSwitch(session.NewKillSwitch(ks)))
		m.SetProfile("a", "192.0.2.1")
		m.SetProfile("b", "192.0.2.2")
		sa, sb := newFakeSession(), newFakeSession()
		d.push(dialResult{s: sa}, dialResult{s: sb}, dialResult{err: permanentErr{"authentication failed"}})
		m.Connect(guardedProfile("a"))
		m.Wait(context.Background(), "a")
		m.Connect(guardedProfile("b"))
		m.Wait(context.Background(), "b")
		sb.drop(errors.New("deleted"))
		time.Sleep(time.Minute)
		synctest.Wait()
		if len(ks.Blocks()) != 2 {
			t.Fatalf("blocks %v", ks.Blocks())
		}
		if err := m.Close(context.Background()); err != nil {
			t.Fatal(err)
		}
		blocks := ks.Blocks()
		if len(blocks) != 2 {
			t.Fatalf("blocks after Close: %v, want both kept", blocks)
		}
		if blocks["a"].Up {
			t.Error("the connected profile's block was left in its \"up\" form, with the tunnel gone")
		}

		d2 := &fakeDialer{}
		n := NewManager(d2, nopLog{}, DefaultRetryPolicy, WithKillSwitch(session.NewKillSwitch(ks)))
		n.SetProfile("a", "192.0.2.1")
		n.SetProfile("b", "192.0.2.2")
		d2.push(dialResult{s: newFakeSession()}, dialResult{s: newFakeSession()})
		got, err := n.Resume([]api.Profile{guardedProfile("a"), guardedProfile("b")})
		if err != nil || !slices.Equal(got, []string{"a", "b"}) {
			t.Fatalf("Resume = %v, %v", got, err)
		}
		synctest.Wait()
		for _, name := range got {
			if st, _ := n.StatusOf(name); st.State != api.StateConnected {
				t.Errorf("%s not resumed: %s", name, st.State)
			}
		}
		n.Disconnect(context.Background(), "a")
		if names, _ := ks.Engaged(); !slices.Equal(names, []string{"b"}) {
			t.Errorf("engaged after Disconnect of a: %v", names)
		}
		n.Disconnect(context.Background(), "b")
		n.Close(context.Background())
	})
}

// TestKillSwitchEngageFailureStopsConnect checks that a connection whose
// block cannot be put in place does not start, and says why.
func TestKillSwitchEngageFailureStopsConnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		ks := platformtest.NewKillSwitch()
		ks.Fail(errors.New("nf_tables is not available"))
		m := newTestManager(t, d, DefaultRetryPolicy, "work", WithKillSwitch(session.NewKillSwitch(ks)))
		m.Connect(guardedProfile("work"))
		_, err := m.Wait(context.Background(), "work")
		var ke *platform.KillSwitchError
		if !errors.As(err, &ke) || err.Error() != "kill switch: nf_tables is not available" {
			t.Fatalf("Wait = %v", err)
		}
		if d.count() != 0 {
			t.Error("dialed without a block")
		}
	})
}

// TestNoKillSwitchRefusesGuardedProfile checks that a profile asking for a
// kill switch does not connect, unprotected, where the system has none.
func TestNoKillSwitchRefusesGuardedProfile(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		m := newTestManager(t, d, DefaultRetryPolicy, "work")
		m.Connect(guardedProfile("work"))
		_, err := m.Wait(context.Background(), "work")
		var ke *platform.KillSwitchError
		if !errors.As(err, &ke) || !errors.Is(err, session.ErrNoKillSwitch) {
			t.Fatalf("Wait = %v", err)
		}
		if d.count() != 0 {
			t.Error("dialed without the block the profile asks for")
		}
	})
}

// TestResumeAfterCrash engages blocks, forgets the Manager as a crash
// does, and checks that a new Manager reconnects the profile that still
// wants its kill switch and lifts the other block.
func TestResumeAfterCrash(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ks := platformtest.NewKillSwitch()
		ks.Engage("work", &platform.BlockConfig{BlockOutside: true})
		ks.Engage("gone", &platform.BlockConfig{BlockOutside: true})

		d := &fakeDialer{}
		m := newTestManager(t, d, DefaultRetryPolicy, "work", WithKillSwitch(session.NewKillSwitch(ks)))
		unreachable := errors.New("gateway unreachable")
		s := newFakeSession()
		d.push(dialResult{err: unreachable}, dialResult{s: s})
		got, err := m.Resume([]api.Profile{guardedProfile("work")})
		if err != nil || !slices.Equal(got, []string{"work"}) {
			t.Fatalf("Resume = %v, %v", got, err)
		}
		synctest.Wait()
		// A resumed connection retries like a reconnection: its first
		// failure is not final.
		if st, _ := m.StatusOf("work"); st.State != api.StateReconnecting || progress(st) != "attempt 2, next in 5s: gateway unreachable" {
			t.Errorf("after the first failure: %s %q", st.State, progress(st))
		}
		if names, _ := ks.Engaged(); !slices.Equal(names, []string{"work"}) {
			t.Errorf("engaged %v", names)
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if st, _ := m.StatusOf("work"); st.State != api.StateConnected {
			t.Errorf("not reconnected: %s", st.State)
		}
	})
}

// TestUnparsableProfileFails: a profile that does not parse fails its
// connection for good, naming the field, without dialling.
func TestUnparsableProfileFails(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		m := newTestManager(t, d, policy, "work", WithKillSwitch(session.NewKillSwitch(platformtest.NewKillSwitch())))
		p := guardedProfile("work")
		p.RemoteTS = []string{"not a prefix"}
		if err := m.Connect(p); err != nil {
			t.Fatal(err)
		}
		_, err := m.Wait(context.Background(), "work")
		var ae *api.Error
		if !errors.As(err, &ae) || ae.Field != "remote_ts[0]" {
			t.Errorf("Wait = %v, want the field named", err)
		}
		if d.count() != 0 {
			t.Errorf("%d dials", d.count())
		}
	})
}

// TestNamedGatewayResolvedOncePerAttempt: the address the kill switch
// looked up is the gateway of the first attempt, which therefore needs no
// look-up of its own; a later attempt looks the name up again, as the
// gateway may have moved.
func TestNamedGatewayResolvedOncePerAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		first, second := newFakeSession(), newFakeSession()
		var got []netip.Addr
		d := &hookDialer{hook: func(_ context.Context, a session.Attempt) (session.Conn, error) {
			got = append(got, a.Gateway)
			if len(got) == 1 {
				return first, nil
			}
			return second, nil
		}}
		ks := platformtest.NewKillSwitch()
		r := &staticResolver{addrs: []netip.Addr{netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("2001:db8::7")}}
		m := newTestManager(t, d, promptPolicy, "work", WithKillSwitch(session.NewKillSwitch(ks)), WithResolver(r))
		p := guardedProfile("work")
		p.Gateway = "vpn.example.com"
		if err := m.Connect(p); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
		first.drop(errors.New("gateway gone"))
		time.Sleep(time.Minute)
		synctest.Wait()
		if want := []netip.Addr{r.addrs[0], {}}; !slices.Equal(got, want) {
			t.Errorf("attempts dialled %v, want %v", got, want)
		}
		if r.lookups != 1 {
			t.Errorf("%d look-ups by the kill switch, want 1", r.lookups)
		}
	})
}

// TestBlockOutsideImpliesKillSwitch checks that block_outside alone
// engages a block that covers everything outside the tunnel.
func TestBlockOutsideImpliesKillSwitch(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		ks := platformtest.NewKillSwitch()
		m := newTestManager(t, d, DefaultRetryPolicy, "work", WithKillSwitch(session.NewKillSwitch(ks)))
		p := profile("work")
		p.BlockOutside = true
		d.push(dialResult{s: newFakeSession()})
		m.Connect(p)
		m.Wait(context.Background(), "work")
		synctest.Wait()
		if b, ok := ks.Blocks()["work"]; !ok || !b.BlockOutside {
			t.Errorf("block %+v, engaged %v", b, ok)
		}
	})
}

// staticResolver answers every look-up with addrs, and counts them.
type staticResolver struct {
	addrs   []netip.Addr
	lookups int
}

func (r *staticResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	r.lookups++
	if host != "vpn.example.com" {
		return nil, errors.New("no such host")
	}
	return r.addrs, nil
}

// TestKillSwitchResolvesNamedGateway checks that a gateway given by name
// is resolved once, before the first dial, so that IKE to it passes the
// block even from unmarked sockets.
func TestKillSwitchResolvesNamedGateway(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		ks := platformtest.NewKillSwitch()
		r := &staticResolver{addrs: []netip.Addr{netip.MustParseAddr("203.0.113.7"), netip.MustParseAddr("2001:db8::7")}}
		m := NewManager(d, nopLog{}, DefaultRetryPolicy, WithKillSwitch(session.NewKillSwitch(ks)), WithResolver(r))
		defer m.Close(context.Background())
		p := guardedProfile("work")
		p.Gateway = "vpn.example.com:4500"
		m.SetProfile("work", p.Gateway)
		s := newFakeSession()
		d.push(dialResult{s: s})
		m.Connect(p)
		m.Wait(context.Background(), "work")
		synctest.Wait()
		if b := ks.Blocks()["work"]; !slices.Equal(b.Gateways, r.addrs) {
			t.Errorf("gateways %v, want %v", b.Gateways, r.addrs)
		}
		if r.lookups != 1 {
			t.Errorf("%d look-ups, want 1", r.lookups)
		}
	})
}
