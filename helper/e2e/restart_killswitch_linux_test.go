package e2e

import (
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestKillSwitchHelperRestart: a clean stop of the helper (SIGTERM, as
// systemctl restart and an upgrade do) under a connected kill_switch
// profile keeps the block: while no helper runs, pings to the protected
// LAN fail and not one packet to it leaves in the clear. The started
// helper resumes the connection by itself, traffic goes through the
// tunnel again, and only down lifts the block.
func TestKillSwitchHelperRestart(t *testing.T) {
	r := newRig(t, false)
	p := lab.PSKProfile("work")
	p.KillSwitch = true
	r.h.Import(p)
	r.up(t, "work")
	lanPing := []string{"ping", "-c", "2", "-i", "0.2", "-W", "1", testnet.LANHostV4.String()}
	if out, err := r.top.Client.Run(lanPing...); err != nil {
		t.Fatalf("no ping through the tunnel: %v\n%s", err, out)
	}

	c := startCapture(t, r.top.Client, "eth0")
	r.h.Stop()
	if out, err := r.top.Client.Run("nft", "list", "table", "inet", "espresso-work"); err != nil {
		t.Fatalf("the stopped helper lifted the kill switch: %v\n%s", err, out)
	}
	for range 3 {
		if out, err := r.top.Client.Run(lanPing...); err == nil {
			t.Errorf("a ping to the LAN was answered while no helper ran:\n%s", out)
		}
	}

	r.h.Start()
	started := time.Now()
	for {
		st, err := r.h.Status("work")
		if err == nil && st.State == api.StateConnected {
			t.Logf("resumed %v after the helper started", time.Since(started).Round(time.Millisecond))
			break
		}
		if time.Since(started) > 30*time.Second {
			t.Fatalf("the connection was not resumed within 30s of the helper's start: %+v, %v\n%s", st, err, r.h.Log())
		}
		time.Sleep(100 * time.Millisecond)
	}
	if out, err := r.top.Client.Run(lanPing...); err != nil {
		t.Errorf("no ping through the resumed tunnel: %v\n%s", err, out)
	}
	c.waitFor("dst host "+testnet.GatewayV4.String()+" and (esp or udp port 4500)", "the resumed tunnel's ESP")
	c.stop()
	if leaks := c.lines("dst net " + testnet.LANV4.String()); len(leaks) > 0 {
		t.Errorf("%d packets to the protected LAN left in the clear across the restart:\n%s", len(leaks), joinLines(leaks))
	}

	r.h.MustCtl("down", "work")
	if out, err := r.top.Client.Run("nft", "list", "table", "inet", "espresso-work"); err == nil {
		t.Errorf("down left the kill switch in place:\n%s", out)
	}
}
