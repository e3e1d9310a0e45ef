package e2e

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestAlwaysOnTrustedGatewayMAC: on a network whose default gateway has
// the link-layer address of a gateway-mac entry (the client's neighbour
// entry for its default route's gateway), an always-on profile stays
// down; once the gateway is another machine (a new MAC, learnt again,
// and the default route set up anew as on arriving), it connects.
func TestAlwaysOnTrustedGatewayMAC(t *testing.T) {
	r := newRig(t, false)
	mac := strings.TrimSpace(r.top.Gateway.MustRun("cat", "/sys/class/net/wan/address"))
	// The client learns the gateway's address as any first packet would.
	r.top.Client.MustRun("ping", "-c", "1", "-W", "2", testnet.GatewayV4.String())
	if out := r.top.Client.MustRun("ip", "neigh", "show", testnet.GatewayV4.String(), "dev", "eth0"); !strings.Contains(out, "lladdr "+mac) {
		t.Fatalf("the client's neighbour entry for its gateway lacks %s: %q", mac, out)
	}
	p := lab.PSKProfile("work")
	p.AutoConnect = true
	p.TrustedNetworks = []string{"gateway-mac:" + strings.ToUpper(mac)}
	r.h.Import(p)
	why := "on trusted network gateway-mac:" + mac
	st, err := r.h.Status("work")
	if err != nil || st.State != api.StateDisconnected || st.Standby != why || !st.AlwaysOn {
		t.Fatalf("behind the trusted gateway: %+v, %v", st, err)
	}

	// Another gateway: the same address, another link-layer address.
	other := "02:00:5e:00:53:77"
	r.top.Gateway.MustRun("ip", "link", "set", "wan", "address", other)
	r.top.Client.MustRun("ip", "neigh", "flush", "dev", "eth0")
	r.top.Client.MustRun("ping", "-c", "1", "-W", "2", testnet.GatewayV4.String())
	r.top.Client.MustRun("ip", "route", "replace", "default", "via", testnet.GatewayV4.String(), "dev", "eth0", "metric", "10")
	r.top.Client.MustRun("ip", "route", "del", "default", "via", testnet.GatewayV4.String(), "dev", "eth0", "metric", "0")
	waitState(t, r.h, "work", api.StateConnected, 30*time.Second, "connected behind another gateway")
	if out, err := r.top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no ping through the tunnel: %v\n%s", err, out)
	}
}

// TestAlwaysOnTrustedDNSSuffix: with a search domain under a dns-suffix
// entry in the resolver file (the namespace's own, which `ip netns exec`
// binds over /etc/resolv.conf: the host's is never touched), an
// always-on profile stays down, also across a helper restart; once the
// network's resolver configuration no longer names it, it connects.
func TestAlwaysOnTrustedDNSSuffix(t *testing.T) {
	r := newRig(t, false)
	base := "nameserver " + testnet.GatewayV4.String() + "\n"
	// Written in place: the bind mount follows the file, not its name.
	writeResolvConf(t, r.h.ResolvConf, base+"search lab.corp.example other.example\n")
	stayOnTrusted(t, r, "dns-suffix:corp.example")

	// Another network: its resolver configuration names another domain,
	// and the default route comes up anew.
	writeResolvConf(t, r.h.ResolvConf, base+"search notcorp.example\n")
	r.top.Client.MustRun("ip", "route", "replace", "default", "via", testnet.GatewayV4.String(), "dev", "eth0", "metric", "10")
	r.top.Client.MustRun("ip", "route", "del", "default", "via", testnet.GatewayV4.String(), "dev", "eth0", "metric", "0")
	waitState(t, r.h, "work", api.StateConnected, 30*time.Second, "connected after leaving the trusted network")
	if out, err := r.top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no ping through the tunnel: %v\n%s", err, out)
	}
}

// writeResolvConf rewrites the namespace's resolver file in place.
func writeResolvConf(t *testing.T, path, content string) {
	t.Helper()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_TRUNC, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// stayOnTrusted imports the always-on profile "work" trusting entry, on
// a network that entry matches, and checks that it stays down, saying
// why, also across a helper restart. It returns the standby reason.
func stayOnTrusted(t *testing.T, r *rig, entry string) string {
	t.Helper()
	p := lab.PSKProfile("work")
	p.AutoConnect = true
	p.TrustedNetworks = []string{entry}
	r.h.Import(p)
	why := "on trusted network " + entry
	// The store request decides before it answers.
	st, err := r.h.Status("work")
	if err != nil || st.State != api.StateDisconnected || st.Standby != why || !st.AlwaysOn {
		t.Fatalf("on the trusted network: %+v, %v", st, err)
	}
	r.h.Stop()
	r.h.Start()
	st, err = r.h.Status("work")
	if err != nil || st.State != api.StateDisconnected || st.Standby != why {
		t.Fatalf("on the trusted network after a restart: %+v, %v", st, err)
	}
	return why
}
