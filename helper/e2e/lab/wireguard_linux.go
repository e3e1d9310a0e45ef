package lab

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// WireGuardPort is the gateway's WireGuard port.
const WireGuardPort = 51820

// WireGuard is a wireguard-go tunnel across a testnet.Topology: one
// wireguard-go in the client namespace, one in the gateway's, configured
// with wg (wireguard-tools) like the IPsec lab: the client has an address
// from testnet.PoolV4 and routes the LAN into the tunnel, the gateway
// routes the pool back.
type WireGuard struct {
	// Client and Gateway are the two wireguard-go processes.
	Client, Gateway *testnet.Process
	// ClientAddr is the client's address inside the tunnel.
	ClientAddr string
}

// StartWireGuard starts the tunnel with the wireguard-go program bin and
// stops it when the test ends.
func StartWireGuard(t testnet.T, top *testnet.Topology, bin string) *WireGuard {
	t.Helper()
	testnet.RequireRoot(t, "wg")
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("skipping: wireguard-go: %v (make deps builds it into .tools)", err)
	}
	dir, err := os.MkdirTemp("", "espresso-wg-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	// The control sockets live in /var/run/wireguard, shared by all
	// namespaces: the interface names are unique to the run.
	var b [3]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	suffix := hex.EncodeToString(b[:])
	cli, gw := "wgc"+suffix, "wgs"+suffix
	cliKey, cliPub := wgKey(t, dir, "client")
	gwKey, gwPub := wgKey(t, dir, "gateway")
	pool := testnet.PoolV4.Addr()
	gwAddr, cliAddr := pool.Next(), pool.Next().Next()

	w := &WireGuard{ClientAddr: cliAddr.String()}
	w.Gateway = startWireGuardGo(t, top.Gateway, bin, gw, dir)
	top.Gateway.MustRun("wg", "set", gw, "private-key", gwKey, "listen-port", strconv.Itoa(WireGuardPort),
		"peer", cliPub, "allowed-ips", cliAddr.String()+"/32")
	top.Gateway.MustRun("ip", "addr", "add", gwAddr.String()+"/32", "dev", gw)
	top.Gateway.MustRun("ip", "link", "set", gw, "up")
	top.Gateway.MustRun("ip", "route", "add", testnet.PoolV4.String(), "dev", gw)

	w.Client = startWireGuardGo(t, top.Client, bin, cli, dir)
	top.Client.MustRun("wg", "set", cli, "private-key", cliKey,
		"peer", gwPub, "endpoint", fmt.Sprintf("%s:%d", testnet.GatewayV4, WireGuardPort),
		"allowed-ips", testnet.LANV4.String())
	top.Client.MustRun("ip", "addr", "add", cliAddr.String()+"/32", "dev", cli)
	top.Client.MustRun("ip", "link", "set", cli, "up")
	top.Client.MustRun("ip", "route", "add", testnet.LANV4.String(), "dev", cli, "src", cliAddr.String())
	return w
}

// startWireGuardGo runs wireguard-go in the foreground in ns for the
// interface name and waits for its control socket.
func startWireGuardGo(t testnet.T, ns *testnet.Namespace, bin, name, dir string) *testnet.Process {
	t.Helper()
	p := testnet.Start(t, ns.Command(bin, "-f", name), filepath.Join(dir, name+".log"))
	sock := filepath.Join("/var/run/wireguard", name+".sock")
	for deadline := time.Now().Add(10 * time.Second); ; {
		if _, err := os.Stat(sock); err == nil {
			return p
		}
		if p.Exited() || time.Now().After(deadline) {
			out, _ := os.ReadFile(filepath.Join(dir, name+".log"))
			t.Fatalf("wireguard-go %s in %s did not start:\n%s", name, ns.Name, out)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// wgKey makes a private key in dir with wg and returns its file and the
// public key.
func wgKey(t testnet.T, dir, name string) (file, pub string) {
	t.Helper()
	key, err := exec.Command("wg", "genkey").Output()
	if err != nil {
		t.Fatalf("wg genkey: %v", err)
	}
	file = filepath.Join(dir, name+".key")
	if err := os.WriteFile(file, key, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("wg", "pubkey")
	cmd.Stdin = bytes.NewReader(key)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("wg pubkey: %v", err)
	}
	return file, strings.TrimSpace(string(out))
}
