package e2e

import (
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// waitState polls the status of name until it is in state, for at most
// limit, and returns it; what is waited for is the helper connecting or
// disconnecting by itself.
func waitState(t *testing.T, h *lab.Helper, name string, state api.State, limit time.Duration, what string) api.ConnectionStatus {
	t.Helper()
	start := time.Now()
	for {
		st, err := h.Status(name)
		if err == nil && st.State == state {
			t.Logf("%s after %v", what, time.Since(start).Round(time.Millisecond))
			return st
		}
		if time.Since(start) > limit {
			t.Fatalf("%s: not %s within %v: %+v, %v\n%s", what, state, limit, st, err, h.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestAlwaysOnHelperRestart: an auto_connect profile connects without
// any up, and again after a clean stop (SIGTERM) and start of the
// helper, carrying traffic each time; after the user's down it stays
// down across a restart, and says why.
func TestAlwaysOnHelperRestart(t *testing.T) {
	r := newRig(t, false)
	p := lab.PSKProfile("work")
	p.AutoConnect = true
	r.h.Import(p)
	lanPing := []string{"ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()}
	st := waitState(t, r.h, "work", api.StateConnected, 30*time.Second, "connected after the import")
	if !st.AlwaysOn {
		t.Errorf("status does not say always-on: %+v", st)
	}
	if out, err := r.top.Client.Run(lanPing...); err != nil {
		t.Fatalf("no ping through the tunnel: %v\n%s", err, out)
	}

	r.h.Stop()
	r.h.Start()
	waitState(t, r.h, "work", api.StateConnected, 30*time.Second, "connected again after the helper's restart")
	if out, err := r.top.Client.Run(lanPing...); err != nil {
		t.Errorf("no ping through the tunnel after the restart: %v\n%s", err, out)
	}

	r.h.MustCtl("down", "work")
	r.h.Stop()
	r.h.Start()
	// The helper decides before it answers: the status is final.
	st, err := r.h.Status("work")
	if err != nil || st.State != api.StateDisconnected || st.Standby != "disconnected by the user; it stays down until connected again" {
		t.Errorf("after down and a restart: %+v, %v", st, err)
	}
	r.up(t, "work")
	if out, err := r.top.Client.Run(lanPing...); err != nil {
		t.Errorf("no ping after up: %v\n%s", err, out)
	}
}

// TestAlwaysOnTrustedNetwork: with an address of a trusted prefix on an
// interface the always-on profile stays down, across a restart, and the
// status says why; once the address goes, the network change brings the
// connection up by itself.
func TestAlwaysOnTrustedNetwork(t *testing.T) {
	r := newRig(t, false)
	for _, args := range [][]string{
		{"ip", "link", "add", "office0", "type", "veth", "peer", "name", "office1"},
		{"ip", "addr", "add", "198.51.100.77/32", "dev", "office0"},
		{"ip", "link", "set", "office0", "up"},
	} {
		if out, err := r.top.Client.Run(args...); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, out)
		}
	}
	why := stayOnTrusted(t, r, "prefix:198.51.100.64/26")
	if out, _ := r.h.Ctl("status", "work"); out != "work: disconnected (always-on): "+why+"\n" {
		t.Errorf("status in words: %q", out)
	}

	if out, err := r.top.Client.Run("ip", "link", "del", "office0"); err != nil {
		t.Fatalf("removing the trusted network: %v\n%s", err, out)
	}
	waitState(t, r.h, "work", api.StateConnected, 30*time.Second, "connected after leaving the trusted network")
	if out, err := r.top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no ping through the tunnel: %v\n%s", err, out)
	}
}

// TestAlwaysOnKillSwitchUntilConnected: an always-on kill_switch profile
// stored while the gateway is down blocks its traffic from the first
// attempt, with no up; the helper retries with its back-off, connects
// once the gateway is back, and not one packet to the protected LAN left
// in the clear meanwhile.
func TestAlwaysOnKillSwitchUntilConnected(t *testing.T) {
	r := newRig(t, false)
	lab.StopCharon(t, r.gw.Process())
	c := startCapture(t, r.top.Client, "eth0")
	p := lab.PSKProfile("work")
	p.AutoConnect = true
	p.KillSwitch = true
	r.h.Import(p)
	start := time.Now()
	for {
		st, err := r.h.Status("work")
		if err == nil && st.State == api.StateReconnecting && st.Reconnect != nil && st.Reconnect.Reason != "" {
			t.Logf("first attempt failed after %v: %s", time.Since(start).Round(time.Millisecond), st.Reconnect.Reason)
			break
		}
		if err == nil && st.State != api.StateReconnecting {
			t.Fatalf("an always-on connection to a stopped gateway is %s, not reconnecting: %+v", st.State, st)
		}
		if time.Since(start) > 45*time.Second {
			t.Fatalf("the first attempt did not fail within 45s: %+v, %v", st, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := r.top.Client.Run("nft", "list", "table", "inet", "espresso-work"); err != nil {
		t.Fatalf("no kill switch while the always-on connection is down: %v\n%s", err, out)
	}
	lanPing := []string{"ping", "-c", "2", "-i", "0.2", "-W", "1", testnet.LANHostV4.String()}
	if out, err := r.top.Client.Run(lanPing...); err == nil {
		t.Errorf("a ping to the LAN was answered before the tunnel was up:\n%s", out)
	}

	lab.RestartCharon(t, r.top.Gateway, r.gw.Charon)
	waitState(t, r.h, "work", api.StateConnected, 60*time.Second, "connected once the gateway was back")
	if out, err := r.top.Client.Run(lanPing...); err != nil {
		t.Errorf("no ping through the tunnel: %v\n%s", err, out)
	}
	c.stop()
	if leaks := c.lines("dst net " + testnet.LANV4.String()); len(leaks) > 0 {
		t.Errorf("%d packets to the protected LAN left in the clear:\n%s", len(leaks), joinLines(leaks))
	}
	r.h.MustCtl("down", "work")
	if out, err := r.top.Client.Run("nft", "list", "table", "inet", "espresso-work"); err == nil {
		t.Errorf("down left the kill switch in place:\n%s", out)
	}
}
