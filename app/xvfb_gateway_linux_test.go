package main

import (
	"context"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// labTools are the programs the gateway lab needs besides ip.
var labTools = []string{"swanctl", "nft", "ping"}

// gatewayLabAvailable reports whether TestScreenshotsAgainstGateway can
// run here: as root, with strongSwan and the network tools.
func gatewayLabAvailable() bool {
	if os.Geteuid() != 0 {
		return false
	}
	for _, tool := range append([]string{"ip"}, labTools...) {
		if _, err := exec.LookPath(tool); err != nil {
			return false
		}
	}
	return true
}

// TestScreenshotsAgainstGateway runs the real app on a virtual X display
// inside the client's network namespace of helper/e2e/lab, against a real
// espresso-helper and a strongSwan gateway. The app presses Connect on a
// pre-shared-key profile; once the helper reports the tunnel up the test
// pings the LAN host through it, so the window's counters move. The app
// saves build/screenshots/main-connected.png and editor.png with the words
// each window showed, then presses Disconnect. The test checks the window
// showed "Connected" with the helper's virtual IP (from the gateway's
// pool) and traffic counted both ways, that the editor kept the key
// hidden, and that the disconnect left the namespace as it found it.
func TestScreenshotsAgainstGateway(t *testing.T) {
	xvfb := requireX(t)
	testnet.RequireRoot(t, labTools...)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := appBinary(t)
	bins := lab.Build(t, t.TempDir())

	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top)
	gw := lab.StartGateway(t, top)
	h := lab.StartHelper(t, top.Client, bins)
	h.Import(lab.PSKProfile("work"))
	h.Import(gw.CertProfile("office"))
	before := lab.ReadState(t, top.Client, h.ResolvConf)
	// Xvfb stays in the root namespace: the app reaches it through the
	// socket in /tmp/.X11-unix, which every namespace sees.
	display := startXvfb(t, ctx, xvfb)

	vip := pingWhenConnected(t, ctx, h, top.Client)
	outDir := screenshotDir(t)
	runApp(t, ctx, display, outDir, []string{"ip", "netns", "exec", top.Client.Name, bin, "--socket", h.Socket})

	text, editor := checkShots(t, outDir)
	v, err := vip()
	if err != nil {
		t.Fatal(err)
	}
	if !testnet.PoolV4.Contains(v) {
		t.Errorf("the helper's virtual IP %v is not from the gateway's pool %v", v, testnet.PoolV4)
	}
	for _, want := range []string{"work", "Connected", v.String(), testnet.GatewayV4.String(), testnet.DNSV4.String()} {
		if !slices.Contains(text, want) {
			t.Errorf("the main window did not show %q:\n%s", want, strings.Join(text, "\n"))
		}
	}
	if in, out := packets(text, "Received"), packets(text, "Sent"); in == 0 || out == 0 {
		t.Errorf("the main window counted %d packets in, %d out:\n%s", in, out, strings.Join(text, "\n"))
	}
	if !slices.Contains(editor, lab.PSKClientID) || !slices.Contains(editor, "Stored; type to replace the key") {
		t.Errorf("the editor does not show the profile with its key stored:\n%s", strings.Join(editor, "\n"))
	}
	if st, err := h.Status("work"); err != nil || st.State != api.StateDisconnected {
		t.Errorf("after the app pressed Disconnect the helper reports %s (%v)", st.State, err)
	}
	if d := before.Diff(lab.ReadState(t, top.Client, h.ResolvConf)); d != "" {
		t.Errorf("the app's disconnect left the client changed:\n%s", d)
	}
	t.Logf("screenshots of a connection to %v with virtual IP %v in %s", testnet.GatewayV4, v, outDir)
}

// pingWhenConnected waits in the background for the helper to report
// "work" connected, then pings the LAN host from ns through the tunnel
// for a few seconds. The function it returns stops the pings and gives
// the virtual IP the helper reported. The wait and the pings are bounded,
// and end with ctx or the test.
func pingWhenConnected(t *testing.T, ctx context.Context, h *lab.Helper, ns *testnet.Namespace) func() (netip.Addr, error) {
	ctx, cancel := context.WithCancel(ctx)
	var (
		wg  sync.WaitGroup
		vip netip.Addr
		err error
	)
	wg.Add(1)
	go func() {
		defer wg.Done()
		var st api.ConnectionStatus
		for i := 0; ; i++ {
			st, err = h.Status("work")
			if err == nil && st.State == api.StateConnected && len(st.VirtualIPs) > 0 {
				break
			}
			if i == 300 || ctx.Err() != nil {
				err = fmt.Errorf("the helper never reported work connected: %+v, %v", st, err)
				return
			}
			select {
			case <-ctx.Done():
			case <-time.After(200 * time.Millisecond):
			}
		}
		if vip, err = netip.ParseAddr(st.VirtualIPs[0]); err != nil {
			return
		}
		// Failures show as counters that never move, which the app
		// reports; the pings only have to be sent.
		_, _ = ns.RunContext(ctx, "ping", "-c", "40", "-i", "0.2", "-W", "1", testnet.LANHostV4.String())
	}()
	t.Cleanup(func() {
		cancel()
		wg.Wait()
	})
	return func() (netip.Addr, error) {
		cancel()
		wg.Wait()
		return vip, err
	}
}
