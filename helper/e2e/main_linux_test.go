package e2e

import (
	"net/netip"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

var (
	buildOnce sync.Once
	built     lab.Binaries
	buildErr  bool
	buildDir  string
)

func TestMain(m *testing.M) {
	if req := os.Getenv(clientEnv); req != "" {
		os.Exit(clientMain(req))
	}
	if req := os.Getenv(forgeEnv); req != "" {
		os.Exit(forgeMain(req))
	}
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// binaries builds the helper and espressoctl once for all tests (or
// copies those of $ESPRESSO_E2E_BIN, see lab.Build).
func binaries(t *testing.T) lab.Binaries {
	t.Helper()
	testnet.RequireRoot(t, "iperf3", "swanctl", "nft", "ss", "ping")
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "espresso-e2e-bin-")
		if err != nil {
			t.Fatal(err)
		}
		buildDir = dir
		buildErr = true
		built = lab.Build(t, dir)
		buildErr = false
	})
	if buildErr {
		t.Fatal("building the binaries failed")
	}
	return built
}

// rig is one test network with the gateway and the helper.
type rig struct {
	top *testnet.Topology
	gw  *lab.Gateway
	h   *lab.Helper
}

func newRig(t *testing.T, nat bool) *rig {
	t.Helper()
	bins := binaries(t)
	top := testnet.NewTopology(t, testnet.Options{NAT: nat})
	lab.IsolateLAN(t, top)
	gw := lab.StartGateway(t, top)
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
	return &rig{top: top, gw: gw, h: lab.StartHelper(t, top.Client, bins)}
}

func (r *rig) state(t *testing.T) lab.State {
	t.Helper()
	return lab.ReadState(t, r.top.Client, r.h.ResolvConf)
}

// connected returns the status of the connected profile name and its
// virtual IPv4 address, checked by checkStatus (nat: behind the NAT).
func (r *rig) connected(t *testing.T, name string, nat bool) (api.ConnectionStatus, netip.Addr) {
	t.Helper()
	st, err := r.h.Status(name)
	if err != nil {
		t.Fatal(err)
	}
	return st, checkStatus(t, st, nat)
}

// up connects the profile with `espressoctl up`. A helper built without
// the IKEv2 initiator skips the test rather than failing it.
func (r *rig) up(t *testing.T, name string) string {
	t.Helper()
	out, err := r.h.Ctl("up", name)
	if err != nil && strings.Contains(err.Error(), session.ErrUnavailable.Error()) {
		t.Skipf("skipping: this espresso-helper has no IKEv2 initiator: %v", err)
	}
	if err != nil {
		t.Fatalf("up: %v", err)
	}
	return out
}
