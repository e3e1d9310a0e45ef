package conn

import (
	"context"
	"errors"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	prof "github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/platform/platformtest"
)

// place is the network a test's machine is on, which it moves.
type place struct {
	mu sync.Mutex
	s  session.Surroundings
}

func (p *place) survey() (session.Surroundings, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.s, nil
}

func (p *place) moveTo(addr string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.s = session.Surroundings{Addrs: []netip.Addr{netip.MustParseAddr(addr)}}
}

// alwaysOnManager is a Manager over d keeping the always-on state in
// file, with profiles ps, as a helper started with them.
func alwaysOnManager(t *testing.T, d session.Dialer, file string, where *place, ps []api.Profile, opts ...Option) *Manager {
	t.Helper()
	w, err := OpenWanted(file)
	if err != nil {
		t.Fatal(err)
	}
	a := AlwaysOn{Wanted: w, Profiles: func() ([]api.Profile, error) { return slices.Clone(ps), nil }}
	if where != nil {
		a.Survey = where.survey
	}
	m := NewManager(d, nopLog{}, DefaultRetryPolicy, append(opts, WithAlwaysOn(a))...)
	t.Cleanup(func() { m.Close(context.Background()) })
	for _, p := range ps {
		m.SetProfile(p.Name, p.Gateway)
	}
	return m
}

func stateOf(t *testing.T, m *Manager, name string) api.ConnectionStatus {
	t.Helper()
	st, err := m.StatusOf(name)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// TestAlwaysOnAcrossRestarts: an auto_connect profile comes up at the
// helper's start under its kill switch, retried with the back-off; the
// user's down holds it down across a restart, and the user's up makes
// it come up at the next start again.
func TestAlwaysOnAcrossRestarts(t *testing.T) {
	file := filepath.Join(t.TempDir(), "always-on.json")
	p := guardedProfile("work")
	p.AutoConnect = true
	ps := []api.Profile{p, profile("other")}
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		ks := platformtest.NewKillSwitch()
		m := alwaysOnManager(t, d, file, nil, ps, WithKillSwitch(session.NewKillSwitch(ks)))
		d.push(dialResult{err: errors.New("gateway unreachable")}, dialResult{s: newFakeSession()})
		m.Reconsider()
		synctest.Wait()
		// The first attempt's failure is retried: nobody asked, so nobody
		// is there to be told.
		if st := stateOf(t, m, "work"); st.State != api.StateReconnecting || !st.AlwaysOn || progress(st) != "attempt 2, next in 5s: gateway unreachable" {
			t.Errorf("after the first failure: %s %v %q", st.State, st.AlwaysOn, progress(st))
		}
		if b, ok := ks.Blocks()["work"]; !ok || b.Up {
			t.Errorf("traffic not blocked before the first connection: %+v", ks.Blocks())
		}
		time.Sleep(5 * time.Second)
		synctest.Wait()
		if st := stateOf(t, m, "work"); st.State != api.StateConnected || st.Standby != "" {
			t.Errorf("not connected: %+v", st)
		}
		if st := stateOf(t, m, "other"); st.State != api.StateDisconnected || st.AlwaysOn {
			t.Errorf("a profile without auto_connect: %+v", st)
		}
		if err := m.Disconnect(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
		if st := stateOf(t, m, "work"); st.State != api.StateDisconnected || st.Standby != standbyUserDown {
			t.Errorf("after down: %s %q", st.State, st.Standby)
		}
		m.Close(context.Background())
	})
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		ks := session.NewKillSwitch(platformtest.NewKillSwitch())
		m := alwaysOnManager(t, d, file, nil, ps, WithKillSwitch(ks))
		m.Reconsider()
		synctest.Wait()
		if st := stateOf(t, m, "work"); st.State != api.StateDisconnected || st.Standby != standbyUserDown || d.count() != 0 {
			t.Errorf("the user's down did not last a restart: %s %q, %d dials", st.State, st.Standby, d.count())
		}
		d.push(dialResult{s: newFakeSession()})
		if err := m.Connect(p); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
		m.Close(context.Background())
	})
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		d.push(dialResult{s: newFakeSession()})
		ks := session.NewKillSwitch(platformtest.NewKillSwitch())
		m := alwaysOnManager(t, d, file, nil, ps, WithKillSwitch(ks))
		m.Reconsider()
		synctest.Wait()
		if st := stateOf(t, m, "work"); st.State != api.StateConnected {
			t.Errorf("the user's up did not last a restart: %+v", st)
		}
	})
}

// TestAlwaysOnTrustedNetwork: on a trusted network the connection stays
// down and says why; leaving it brings the connection up, and coming
// back takes the helper's connection down, not one the user connected.
func TestAlwaysOnTrustedNetwork(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		p := profile("work")
		p.AutoConnect = true
		p.TrustedNetworks = []string{"dns-suffix:corp.example", "prefix:192.0.2.0/24"}
		where := &place{}
		where.moveTo("192.0.2.10")
		d := &fakeDialer{}
		m := alwaysOnManager(t, d, filepath.Join(t.TempDir(), "always-on.json"), where, []api.Profile{p})
		_, w := m.Watch()
		m.Reconsider()
		synctest.Wait()
		const why = "on trusted network prefix:192.0.2.0/24"
		if st := stateOf(t, m, "work"); st.State != api.StateDisconnected || st.Standby != why || !st.AlwaysOn || d.count() != 0 {
			t.Errorf("on the trusted network: %+v, %d dials", st, d.count())
		}

		where.moveTo("198.51.100.7")
		d.push(dialResult{s: newFakeSession()})
		m.NetworkChanged(0)
		synctest.Wait()
		if st := stateOf(t, m, "work"); st.State != api.StateConnected || st.Standby != "" {
			t.Errorf("away from the trusted network: %+v", st)
		}

		where.moveTo("192.0.2.11")
		m.NetworkChanged(0)
		synctest.Wait()
		if st := stateOf(t, m, "work"); st.State != api.StateDisconnected || st.Standby != why {
			t.Errorf("back on the trusted network: %+v", st)
		}
		// Each change of the standby reason is told too.
		if got := states(w); !equalStates(got, api.StateDisconnected, api.StateDisconnected, api.StateReconnecting, api.StateReconnecting,
			api.StateConnected, api.StateConnected, api.StateDisconnected) {
			t.Errorf("watched states %v", got)
		}

		// The user's own connect on the trusted network is left alone.
		d.push(dialResult{s: newFakeSession()})
		if err := m.Connect(p); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
		m.NetworkChanged(0)
		synctest.Wait()
		if st := stateOf(t, m, "work"); st.State != api.StateConnected {
			t.Errorf("the user's connection was taken down: %+v", st)
		}
	})
}

// TestDefaultAlwaysOn: the default always-on profile comes up without
// auto_connect, is kept in the file, refuses an unknown profile, and is
// forgotten with its profile.
func TestDefaultAlwaysOn(t *testing.T) {
	file := filepath.Join(t.TempDir(), "always-on.json")
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		d.push(dialResult{s: newFakeSession()})
		m := alwaysOnManager(t, d, file, nil, []api.Profile{profile("work")})
		if err := m.SetDefaultAlwaysOn("nope"); !errors.Is(err, ErrUnknownProfile) {
			t.Errorf("unknown profile: %v", err)
		}
		if err := m.SetDefaultAlwaysOn("work"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if st := stateOf(t, m, "work"); st.State != api.StateConnected || !st.AlwaysOn {
			t.Errorf("the default always-on profile: %+v", st)
		}
		if w, _ := OpenWanted(file); w.Default() != "work" {
			t.Errorf("default in the file: %q", w.Default())
		}
		// Clearing the mark leaves the connection up, as the user's own.
		if err := m.SetDefaultAlwaysOn(""); err != nil {
			t.Fatal(err)
		}
		if st := stateOf(t, m, "work"); st.State != api.StateConnected || st.AlwaysOn {
			t.Errorf("after clearing: %+v", st)
		}
		m.SetDefaultAlwaysOn("work")
		m.Disconnect(context.Background(), "work")
		if err := m.RemoveProfile("work"); err != nil {
			t.Fatal(err)
		}
		if w, _ := OpenWanted(file); w.Default() != "" || w.HeldDown("work") {
			t.Errorf("a removed profile is still kept: %+v", w.f)
		}
	})
}

func TestWantedFile(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "always-on.json")
	w, err := OpenWanted(file)
	if err != nil || w.Default() != "" || w.HeldDown("a") {
		t.Fatalf("a missing file: %+v, %v", w, err)
	}
	if err := w.SetDefault("a"); err != nil {
		t.Fatal(err)
	}
	w.SetHeldDown("b", true)
	w.SetHeldDown("c", true)
	w.SetHeldDown("c", false)
	again, err := OpenWanted(file)
	if err != nil || again.Default() != "a" || !again.HeldDown("b") || again.HeldDown("c") {
		t.Errorf("read back: %+v, %v", again.f, err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("left beside the file: %v", entries)
	}
	if err := os.WriteFile(file, []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := OpenWanted(file); err == nil {
		t.Error("a damaged file was read")
	}
	// A change that cannot be written does not take effect.
	gone := &Wanted{path: filepath.Join(dir, "missing", "always-on.json")}
	if err := gone.SetDefault("a"); err == nil || gone.Default() != "" {
		t.Errorf("unwritable: %v, default %q", err, gone.Default())
	}
}

func TestTrustedBy(t *testing.T) {
	parse := func(s string) prof.TrustedNetwork {
		tn, reason := prof.ParseTrustedNetwork(s)
		if reason != "" {
			t.Fatalf("%s: %s", s, reason)
		}
		return tn
	}
	mac, _ := net.ParseMAC("00:00:5e:00:53:01")
	here := session.Surroundings{
		Addrs:       []netip.Addr{netip.MustParseAddr("2001:db8:5::7"), netip.MustParseAddr("198.51.100.7")},
		DNSDomains:  []string{"lab.corp.example"},
		GatewayMACs: []net.HardwareAddr{mac},
	}
	for _, tc := range []struct {
		entry string
		on    bool
	}{
		{"dns-suffix:corp.example", true},
		{"dns-suffix:lab.corp.example", true},
		{"dns-suffix:orp.example", false},
		{"dns-suffix:x.lab.corp.example", false},
		{"prefix:2001:db8:5::/48", true},
		{"prefix:198.51.100.0/25", true},
		{"prefix:192.0.2.0/24", false},
		{"gateway-mac:00:00:5E:00:53:01", true},
		{"gateway-mac:00:00:5e:00:53:02", false},
	} {
		if _, on := trustedBy([]prof.TrustedNetwork{parse(tc.entry)}, here); on != tc.on {
			t.Errorf("%s: on %v, want %v", tc.entry, on, tc.on)
		}
	}
	ts := []prof.TrustedNetwork{parse("prefix:192.0.2.0/24"), parse("prefix:198.51.100.0/24"), parse("dns-suffix:corp.example")}
	if got, _ := trustedBy(ts, here); got.String() != "prefix:198.51.100.0/24" {
		t.Errorf("first match %s", got)
	}
}
