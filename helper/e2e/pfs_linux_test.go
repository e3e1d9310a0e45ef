package e2e

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// pingRun is a ping started in the background whose summary is read when
// it ends.
type pingRun struct {
	done chan struct{}
	out  string
	err  error
}

// startPingRun sends count pings from src to dst inside ns, one each
// interval, given up after deadline at the latest.
func startPingRun(ns *testnet.Namespace, src, dst netip.Addr, interval time.Duration, count int, deadline time.Duration) *pingRun {
	p := &pingRun{done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), deadline+10*time.Second)
	go func() {
		defer close(p.done)
		defer cancel()
		p.out, p.err = ns.RunContext(ctx, "ping", "-q", "-n", "-i", strconv.FormatFloat(interval.Seconds(), 'f', 3, 64),
			"-c", strconv.Itoa(count), "-W", "1", "-w", strconv.Itoa(int(deadline/time.Second)), "-I", src.String(), dst.String())
	}()
	return p
}

// wait returns how many pings were sent and answered.
func (p *pingRun) wait(t *testing.T) (sent, received int) {
	t.Helper()
	<-p.done
	m := pingReceived.FindStringSubmatch(p.out)
	if m == nil {
		t.Fatalf("ping printed no summary (%v):\n%s", p.err, p.out)
	}
	sent, _ = strconv.Atoi(m[1])
	received, _ = strconv.Atoi(m[2])
	return sent, received
}

// childSPIs returns the inbound SPIs of the Child SAs in swanctl
// --list-sas output.
func childSPIs(listSAs string) []string {
	var out []string
	for _, m := range childSPI.FindAllStringSubmatch(listSAs, -1) {
		out = append(out, m[1])
	}
	return out
}

// pfsRig starts a gateway whose first connection takes the ESP proposals
// and Child SA timing edit sets, and a helper connected to it with p.
func pfsRig(t *testing.T, p api.Profile, edit func(*testnet.Conn)) (*rig, api.ConnectionStatus) {
	t.Helper()
	bins := binaries(t)
	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top)
	gw := lab.StartGatewayWith(t, top, func(c *testnet.CharonConfig) { edit(&c.Conns[0]) })
	r := &rig{top: top, gw: gw, h: lab.StartHelper(t, top.Client, bins)}
	r.h.Import(p)
	r.up(t, p.Name)
	st, err := r.h.Status(p.Name)
	if err != nil {
		t.Fatal(err)
	}
	return r, st
}

// checkRekeyedInPlace fails the test when the gateway was answered
// NO_PROPOSAL_CHOSEN, or when the connection is no longer the one before
// the rekeys (st), connected with no error and an ESP proposal naming the
// key exchange method ke.
func checkRekeyedInPlace(t *testing.T, r *rig, st api.ConnectionStatus, ke string) {
	t.Helper()
	if strings.Contains(r.gw.Log(), "NO_PROPOSAL_CHOSEN") {
		t.Errorf("the gateway got NO_PROPOSAL_CHOSEN:\n%s", r.gw.Log())
	}
	after, err := r.h.Status(st.Name)
	if err != nil || after.State != api.StateConnected || after.LastError != "" ||
		after.EstablishedAt == nil || !after.EstablishedAt.Equal(*st.EstablishedAt) {
		t.Errorf("after the rekeys: %+v (%v); before: established %v", after, err, st.EstablishedAt)
	}
	if !strings.Contains(after.ESPProposal, ke) {
		t.Errorf("ESP proposal after the rekeys %q, want %s for PFS", after.ESPProposal, ke)
	}
}

// TestGatewayRekeyWithOptionalPFS: a gateway whose ESP proposals make PFS
// optional (modpnone among its key exchange methods, a common strongSwan
// configuration) rekeys the Child SA under a ping. A profile that names no
// proposals accepts the rekey: no ping is lost, the gateway lists a new
// Child SA, the helper stays connected with the same uptime and no error,
// and the gateway was never answered NO_PROPOSAL_CHOSEN.
func TestGatewayRekeyWithOptionalPFS(t *testing.T) {
	r, st := pfsRig(t, lab.PSKProfile("work"), func(c *testnet.Conn) {
		c.ESPProposals = []string{"aes128gcm16-x25519-ecp256-modp2048-modpnone"}
	})
	top, gw := r.top, r.gw
	vip := checkStatus(t, st, false)
	first := spi(t, gw.ListSAs())

	// 10 s of pings at 20 Hz, the rekey 2 s in.
	ping := startPingRun(top.Client, vip, testnet.LANHostV4, 50*time.Millisecond, 200, 30*time.Second)
	time.Sleep(2 * time.Second)
	if out, err := gw.Swanctl("--rekey", "--child", "psk"); err != nil {
		t.Fatalf("rekey at the gateway: %v\n%s", err, out)
	}
	var sas string
	for deadline := time.Now().Add(20 * time.Second); ; {
		sas = gw.ListSAs()
		if spis := childSPIs(sas); len(spis) == 1 && spis[0] != first {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the gateway holds no new Child SA 20s after its rekey:\n%s\n%s", sas, gw.Log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("the gateway's Child SA after its rekey:\n%s", sas)
	sent, received := ping.wait(t)
	t.Logf("ping across the gateway's rekey: %d of %d answered", received, sent)
	if sent < 200 || received != sent {
		t.Errorf("%d of %d pings answered across the rekey, want all", received, sent)
	}
	// Both prefer x25519 of the methods they share: the rekey has PFS.
	checkRekeyedInPlace(t, r, st, "x25519")
	r.h.MustCtl("down", "work")
}

// TestGatewayRequiresPFS: a gateway that requires PFS on its rekeys (a key
// exchange method and no modpnone) rekeys the Child SA every 20 s. A
// profile that names no proposals keeps a ping at 20 Hz going for 70 s with
// under 1% loss across the rekeys, and stays connected without an error.
func TestGatewayRequiresPFS(t *testing.T) {
	r, st := pfsRig(t, lab.PSKProfile("work"), func(c *testnet.Conn) {
		c.ESPProposals = []string{"aes256gcm16-ecp384"}
		// Rekeys 18 to 20 s apart; a missed one would expire the SA
		// 5 s later.
		c.ChildRekeyTime = "20s"
		c.ChildExtra = []string{"life_time = 25s", "rand_time = 2s"}
	})
	top, gw := r.top, r.gw
	vip := checkStatus(t, st, false)

	const count = 1400 // 70 s at 20 Hz
	ping := startPingRun(top.Client, vip, testnet.LANHostV4, 50*time.Millisecond, count, 100*time.Second)
	seen := map[string]bool{}
	for running := true; running; {
		select {
		case <-ping.done:
			running = false
		case <-time.After(2 * time.Second):
		}
		for _, s := range childSPIs(gw.ListSAs()) {
			seen[s] = true
		}
	}
	sent, received := ping.wait(t)
	loss := 100 * float64(sent-received) / float64(max(sent, 1))
	t.Logf("ping at 20 Hz for 70 s across %d Child SAs: %d of %d answered (%.2f%% loss)", len(seen), received, sent, loss)
	if sent < count || loss >= 1 {
		t.Errorf("%d of %d pings answered (%.2f%% loss), want under 1%% loss", received, sent, loss)
	}
	if len(seen) < 4 {
		t.Errorf("only %d Child SAs seen at the gateway in 70 s, want the first and at least 3 rekeys:\n%s", len(seen), gw.Log())
	}
	checkRekeyedInPlace(t, r, st, "ecp384")
	r.h.MustCtl("down", "work")
}

// TestRefusedGatewayRekeyInStatus: a profile without PFS against a
// gateway that requires it cannot accept the gateway's rekeys. The helper
// refuses them but stays connected on the current Child SA, and the status
// says why: error_code rekey_failed, last_error naming NO_PROPOSAL_CHOSEN,
// instead of waiting for the gateway to give up and blaming it.
func TestRefusedGatewayRekeyInStatus(t *testing.T) {
	p := lab.PSKProfile("work")
	p.ESPProposals = []string{"aes256gcm16"}
	r, _ := pfsRig(t, p, func(c *testnet.Conn) {
		c.ESPProposals = []string{"aes256gcm16-ecp384"}
		c.ChildRekeyTime = "5s"
		c.ChildExtra = []string{"life_time = 120s", "rand_time = 1s"}
	})
	top, gw := r.top, r.gw

	var st api.ConnectionStatus
	for deadline := time.Now().Add(30 * time.Second); ; {
		var err error
		st, err = r.h.Status("work")
		if err == nil && st.ErrorCode != "" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no failed rekey in the status 30s after connecting (%v): %+v\n%s", err, st, gw.Log())
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("status after the refused rekey: %s, %s: %s", st.State, st.ErrorCode, st.LastError)
	if st.State != api.StateConnected || st.ErrorCode != api.FailureRekeyFailed || !strings.Contains(st.LastError, "NO_PROPOSAL_CHOSEN") {
		t.Errorf("status %s %q %q, want connected with rekey_failed naming NO_PROPOSAL_CHOSEN", st.State, st.ErrorCode, st.LastError)
	}
	if out, err := r.h.Ctl("status"); err != nil || !strings.Contains(out, "renewing the tunnel's keys failed (NO_PROPOSAL_CHOSEN)") {
		t.Errorf("espressoctl status does not explain the failed rekey (%v):\n%s", err, out)
	}
	if out, err := top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no ping on the current Child SA after the refused rekey: %v\n%s", err, out)
	}
	r.h.MustCtl("down", "work")
}
