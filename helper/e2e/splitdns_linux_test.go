package e2e

import (
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// corpDomain is the DNS domain the split-DNS gateway sends; intranetName
// is a name under it that only the LAN's server (testnet.DNSV4) knows,
// and localName one that only the client's own resolver knows.
const (
	corpDomain   = "corp.example"
	intranetName = "intranet." + corpDomain
	localName    = "printer.home.example"
)

// newSplitDNSRig is newRig with a gateway whose pool sends corpDomain as
// INTERNAL_DNS_DOMAIN (attribute 25, RFC 8598) beside its DNS server,
// that server answering on the LAN, and the client's own resolver (on
// the gateway's outer address, outside the tunnel) answering localName.
func newSplitDNSRig(t *testing.T) *rig {
	t.Helper()
	return newDNSDomainRig(t, false)
}

// newDNSDomainRig is newSplitDNSRig whose gateway, with full, grants
// every IPv4 destination (0.0.0.0/0) rather than its LAN.
func newDNSDomainRig(t *testing.T, full bool) *rig {
	t.Helper()
	bins := binaries(t)
	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top)
	gw := lab.StartGatewayWith(t, top, func(c *testnet.CharonConfig) {
		c.PoolAttrs = []string{"25 = " + corpDomain}
		if full {
			for i := range c.Conns {
				c.Conns[i].LocalTS = []string{"0.0.0.0/0"}
			}
		}
	})
	top.LAN.Addr("eth0", testnet.DNSV4.String()+"/24")
	lab.StartDNS(t, top.LAN, testnet.DNSV4, map[string]netip.Addr{intranetName: testnet.LANHostV4})
	lab.StartDNS(t, top.Gateway, testnet.GatewayV4, map[string]netip.Addr{localName: testnet.GatewayV4})
	return &rig{top: top, gw: gw, h: lab.StartHelper(t, top.Client, bins)}
}

// TestSplitDNSResolvConf: on a split tunnel the gateway's DNS domain
// reaches the status and, without systemd-resolved (the lab's
// namespaces have none), the resolver file: the tunnel's server first
// with the local one kept after it, and the domain as a search domain.
// A name under the domain resolves through the tunnel, also as a short
// name; down restores the file.
func TestSplitDNSResolvConf(t *testing.T) {
	r := newSplitDNSRig(t)
	r.h.Import(lab.PSKProfile("work"))
	before := r.state(t)
	if _, err := getent(r.top.Client, intranetName); err == nil {
		t.Fatal("the intranet name resolves without the tunnel; the test could not tell")
	}
	r.up(t, "work")

	st, _ := r.connected(t, "work", false)
	if !slices.Equal(st.DNSDomains, []string{corpDomain}) {
		t.Errorf("status dns_domains %q, want the gateway's %q", st.DNSDomains, corpDomain)
	}
	line := r.h.MustCtl("status", "work")
	if want := "DNS " + testnet.DNSV4.String() + " for " + corpDomain; !strings.Contains(line, want) {
		t.Errorf("espressoctl status says %q, want it to name %q", line, want)
	}
	conf := r.state(t)["resolv.conf"]
	tunnel := strings.Index(conf, "nameserver "+testnet.DNSV4.String()+"\n")
	local := strings.Index(conf, "nameserver "+testnet.GatewayV4.String()+"\n")
	if tunnel < 0 || local < tunnel || !strings.Contains(conf, "search "+corpDomain+"\n") {
		t.Errorf("resolver file on the split tunnel:\n%s", conf)
	}
	for _, name := range []string{intranetName, "intranet"} {
		if out, err := getent(r.top.Client, name); err != nil || !strings.HasPrefix(out, testnet.LANHostV4.String()+" ") {
			t.Errorf("getent hosts %s through the tunnel: %v %q", name, err, out)
		}
	}

	r.h.MustCtl("down", "work")
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("down left the system changed:\n%s", d)
	}
	if out, err := getent(r.top.Client, localName); err != nil || !strings.HasPrefix(out, testnet.GatewayV4.String()+" ") {
		t.Errorf("the local resolver after down: %v %q", err, out)
	}
}

// TestSplitDNSResolved: with systemd-resolved managing the resolver (a
// stub resolv.conf), a split tunnel hands the gateway's domain to
// resolved as a routing-only domain ("~corp.example") on the tunnel's
// device and no "~." (which would route every name there), so that only
// names under it go to the tunnel's server and every other name keeps
// the local resolver; a full tunnel adds "~." and keeps the domain as a
// search domain. down reverts the device's settings. resolved does not
// run in the lab's namespaces: a resolvectl that records its arguments
// stands in for it.
func TestSplitDNSResolved(t *testing.T) {
	for _, tc := range []struct {
		name     string
		full     bool
		remoteTS []string
		domains  string
	}{
		{"split", false, []string{testnet.LANV4.String()}, "~" + corpDomain},
		{"full", true, []string{"0.0.0.0/0"}, corpDomain + " ~."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bin := t.TempDir()
			calls := filepath.Join(bin, "calls")
			script := "#!/bin/sh\necho \"$*\" >> " + calls + "\n"
			if err := os.WriteFile(filepath.Join(bin, "resolvectl"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("PATH", bin+":"+os.Getenv("PATH"))
			r := newDNSDomainRig(t, tc.full)
			if err := os.WriteFile(r.h.ResolvConf, []byte("nameserver 127.0.0.53\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			p := lab.PSKProfile("work")
			p.RemoteTS = tc.remoteTS
			r.h.Import(p)
			r.up(t, "work")
			st, err := r.h.Status("work")
			if err != nil || st.State != "connected" || !slices.Equal(st.DNSDomains, []string{corpDomain}) || !slices.Equal(st.RemoteTS, tc.remoteTS) {
				t.Errorf("status %+v %v", st, err)
			}
			up := readLines(t, calls)
			dev := ""
			for _, c := range up {
				if f := strings.Fields(c); len(f) >= 2 && f[0] == "dns" {
					dev = f[1]
				}
			}
			want := []string{"dns " + dev + " " + testnet.DNSV4.String(), "domain " + dev + " " + tc.domains}
			if dev == "" || !slices.Equal(up, want) {
				t.Errorf("resolvectl calls:\n%s\nwant:\n%s", strings.Join(up, "\n"), strings.Join(want, "\n"))
			}
			r.h.MustCtl("down", "work")
			if all := readLines(t, calls); len(all) != 3 || all[2] != "revert "+dev {
				t.Errorf("resolvectl calls after down:\n%s", strings.Join(all, "\n"))
			}
		})
	}
}

// getent resolves name with the C library's resolver in ns, which reads
// the namespace's resolver file, and returns its line.
func getent(ns *testnet.Namespace, name string) (string, error) {
	out, err := ns.Run("getent", "ahostsv4", name)
	if err != nil {
		return out, err
	}
	first, _, _ := strings.Cut(out, "\n")
	return first, nil
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
}
