package linux

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/platform"
)

// fakeFirewall records the tables the kill switch asks for, one line per
// call and one per rule, in nft(8) syntax.
type fakeFirewall struct {
	calls  []string
	tables map[string][]fwChain
	fail   error
}

func newFakeFirewall() *fakeFirewall { return &fakeFirewall{tables: map[string][]fwChain{}} }

func (f *fakeFirewall) replace(table string, chains []fwChain) error {
	f.calls = append(f.calls, "replace table inet "+table)
	if f.fail != nil {
		return f.fail
	}
	for _, c := range chains {
		f.calls = append(f.calls, "\tchain "+string(c.Hook))
		for _, r := range c.Rules {
			f.calls = append(f.calls, "\t\t"+r.String())
		}
	}
	f.tables[table] = chains
	return nil
}

func (f *fakeFirewall) remove(table string) error {
	f.calls = append(f.calls, "delete table inet "+table)
	delete(f.tables, table)
	return nil
}

func (f *fakeFirewall) take() []string {
	c := f.calls
	f.calls = nil
	return c
}

func newTestKillSwitch(t *testing.T, dir string) (*KillSwitch, *fakeFirewall) {
	t.Helper()
	fw := newFakeFirewall()
	return &KillSwitch{dir: dir, tun: "espresso%d", fw: fw}, fw
}

func splitBlock() *platform.BlockConfig {
	return &platform.BlockConfig{
		Protected: []netip.Prefix{pfx("198.51.100.0/24"), pfx("2001:db8:100::/48")},
		Exclude:   []netip.Prefix{pfx("198.51.100.128/25")},
		Gateways:  []netip.Addr{ip("203.0.113.1"), ip("2001:db8:1::1")},
	}
}

// TestKillSwitchSplitDownUp engages a split-tunnel block while the tunnel
// is down (DNS refused) and again once it is up (DNS allowed), then
// releases it.
func TestKillSwitchSplitDownUp(t *testing.T) {
	ks, fw := newTestKillSwitch(t, t.TempDir())
	b := splitBlock()
	if err := ks.Engage("work", b); err != nil {
		t.Fatal(err)
	}
	golden(t, "killswitch_split_down", fw.take())
	b.Up = true
	if err := ks.Engage("work", b); err != nil {
		t.Fatal(err)
	}
	got := fw.take()
	if slices.ContainsFunc(got, func(s string) bool { return strings.Contains(s, "dport 53") }) {
		t.Errorf("DNS still refused while up:\n%s", strings.Join(got, "\n"))
	}
	if err := ks.Release("work"); err != nil {
		t.Fatal(err)
	}
	if got := fw.take(); !slices.Equal(got, []string{"delete table inet espresso-work"}) {
		t.Errorf("release: %q", got)
	}
	if names, _ := ks.Engaged(); len(names) != 0 {
		t.Errorf("engaged after release: %v", names)
	}
}

// TestKillSwitchBlockOutside checks the chain that refuses everything
// outside the tunnel but what keeps the links and the IKE path alive.
func TestKillSwitchBlockOutside(t *testing.T) {
	ks, fw := newTestKillSwitch(t, t.TempDir())
	if err := ks.Engage("work", &platform.BlockConfig{
		Protected:    []netip.Prefix{pfx("0.0.0.0/0"), pfx("::/0")},
		BlockOutside: true,
		Gateways:     []netip.Addr{ip("203.0.113.1")},
		Mark:         0x2a,
		Up:           true,
	}); err != nil {
		t.Fatal(err)
	}
	golden(t, "killswitch_block_outside", fw.take())
}

// TestKillSwitchRecordOutlivesProcess engages a block, forgets the
// KillSwitch as a crash does, and checks a new one reports the block and
// that nothing of it was removed on the way.
func TestKillSwitchRecordOutlivesProcess(t *testing.T) {
	dir := t.TempDir()
	ks, fw := newTestKillSwitch(t, dir)
	ks.Engage("work", splitBlock())
	ks.Engage("lab", splitBlock())
	restarted, _ := newTestKillSwitch(t, dir)
	names, err := restarted.Engaged()
	if err != nil || !slices.Equal(names, []string{"lab", "work"}) {
		t.Fatalf("Engaged = %v, %v", names, err)
	}
	if len(fw.tables) != 2 {
		t.Fatalf("tables %v", fw.tables)
	}
	// A Network's crash recovery leaves the blocks alone.
	n, err := newNetwork(Options{StateDir: dir, DNS: DNSFile}, newFakeKernel(), newFakeKernel().factory)
	if err != nil {
		t.Fatal(err)
	}
	if err := n.Recover(); err != nil {
		t.Fatal(err)
	}
	if names, _ := restarted.Engaged(); len(names) != 2 {
		t.Errorf("Recover lifted blocks: %v", names)
	}
}

// TestKillSwitchForwardChain checks that forwarded traffic (containers,
// virtual machines, a shared hotspot), which never passes the output
// hook, meets the same verdicts in a forward chain: a block with an
// output chain only let it go around.
func TestKillSwitchForwardChain(t *testing.T) {
	for _, b := range []*platform.BlockConfig{splitBlock(), {Protected: []netip.Prefix{pfx("0.0.0.0/0")}, BlockOutside: true}} {
		ks, fw := newTestKillSwitch(t, t.TempDir())
		if err := ks.Engage("work", b); err != nil {
			t.Fatal(err)
		}
		chains := fw.tables["espresso-work"]
		var out, fwd []fwRule
		for _, c := range chains {
			switch c.Hook {
			case hookOutput:
				out = c.Rules
			case hookForward:
				fwd = c.Rules
			}
		}
		if len(chains) != 2 || out == nil || fwd == nil {
			t.Fatalf("chains %+v, want output and forward", chains)
		}
		// Only what comes out of the tunnel is let through first.
		if want := (fwRule{Iif: "espresso*"}); fwd[0] != want || !slices.Equal(fwd[1:], out) {
			t.Errorf("forward chain differs from the output chain:\nforward %v\noutput  %v", fwd, out)
		}
	}
}

// TestKillSwitchDHCPOnlyOnLink checks that DHCP's exemption reaches only
// broadcast, multicast and link-local destinations: UDP 68→67 or
// 546→547 to any other address is refused like the rest.
func TestKillSwitchDHCPOnlyOnLink(t *testing.T) {
	rules := blockRules(&platform.BlockConfig{Protected: []netip.Prefix{pfx("0.0.0.0/0"), pfx("::/0")}, BlockOutside: true}, "espresso%d")
	for _, tc := range []struct {
		dst    string
		sport  uint16
		dport  uint16
		accept bool
	}{
		{"255.255.255.255", 68, 67, true},
		{"169.254.1.1", 68, 67, true},
		{"ff02::1:2", 546, 547, true},
		{"fe80::1", 546, 547, true},
		{"192.0.2.1", 68, 67, false},
		{"203.0.113.9", 68, 67, false},
		{"2001:db8::1", 546, 547, false},
	} {
		if got := verdict(rules, ip(tc.dst), protoUDP, tc.sport, tc.dport); got != tc.accept {
			t.Errorf("UDP %d→%s:%d accepted = %v, want %v", tc.sport, tc.dst, tc.dport, got, tc.accept)
		}
	}
}

// verdict evaluates rules for an unmarked packet to dst leaving on a
// physical interface: true when it is accepted.
func verdict(rules []fwRule, dst netip.Addr, proto uint8, sport, dport uint16) bool {
	for _, r := range rules {
		if r.Oif != "" || r.Iif != "" || r.Mark != 0 || r.ICMPType != 0 {
			continue
		}
		if f := r.family(); f != 0 && f != family(dst) {
			continue
		}
		if r.Dst.IsValid() && !r.Dst.Contains(dst) {
			continue
		}
		if r.Proto != 0 && r.Proto != proto || r.SPort != 0 && r.SPort != sport || r.DPort != 0 && r.DPort != dport {
			continue
		}
		return !r.Reject
	}
	return true
}

func TestKillSwitchRefusesBadConfigWithoutChange(t *testing.T) {
	ks, fw := newTestKillSwitch(t, t.TempDir())
	var ce *platform.ConfigError
	if err := ks.Engage("work", &platform.BlockConfig{}); !errors.As(err, &ce) {
		t.Fatalf("Engage = %v", err)
	}
	if len(fw.take()) != 0 {
		t.Error("a refused block reached the firewall")
	}
	fw.fail = fmt.Errorf("injected")
	if err := ks.Engage("work", splitBlock()); err == nil {
		t.Error("firewall failure not reported")
	}
}

func TestTunPattern(t *testing.T) {
	for in, want := range map[string]string{"espresso%d": "espresso*", "vpn0": "vpn0"} {
		if got := tunPattern(in); got != want {
			t.Errorf("tunPattern(%q) = %q", in, got)
		}
	}
	if got := ifnameData("lo"); len(got) != 16 || string(got[:2]) != "lo" || got[2] != 0 {
		t.Errorf("exact name data %q", got)
	}
	if got := ifnameData("espresso*"); string(got) != "espresso" {
		t.Errorf("prefix data %q", got)
	}
	if got := netipMask(pfx("198.51.100.0/23")); !slices.Equal(got, []byte{255, 255, 254, 0}) {
		t.Errorf("mask %v", got)
	}
}
