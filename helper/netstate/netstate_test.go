package netstate

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSources(t *testing.T) {
	want := map[string][]string{
		"linux": {
			"kernel: uname -a",
			"addresses: ip address show",
			"routes-ipv4: ip -4 route show table all",
			"routes-ipv6: ip -6 route show table all",
			"rules-ipv4: ip -4 rule show",
			"rules-ipv6: ip -6 rule show",
			"dns-resolved: resolvectl status",
			"resolv.conf: /etc/resolv.conf",
			"firewall: nft list ruleset",
		},
		"darwin": {
			"kernel: uname -a",
			"os: sw_vers",
			"addresses: ifconfig -a",
			"routes: netstat -rn",
			"dns: scutil --dns",
			"network-order: scutil --nwi",
			"resolv.conf: /etc/resolv.conf",
		},
		"freebsd": {
			"kernel: uname -a",
			"addresses: ifconfig -a",
			"routes: netstat -rn",
			"dns-resolvconf: resolvconf -l",
			"resolv.conf: /etc/resolv.conf",
		},
	}
	for goos, w := range want {
		var got []string
		for _, s := range Sources(goos) {
			got = append(got, s.Name+": "+s.String())
		}
		if strings.Join(got, "\n") != strings.Join(w, "\n") {
			t.Errorf("%s:\n%s\nwant:\n%s", goos, strings.Join(got, "\n"), strings.Join(w, "\n"))
		}
	}
	if Sources("plan9") != nil {
		t.Error("sources for an OS the helper does not run on")
	}
}

type fakeRunner struct {
	ran []string
}

func (f *fakeRunner) Run(ctx context.Context, name string, args ...string) ([]byte, error) {
	line := strings.Join(append([]string{name}, args...), " ")
	f.ran = append(f.ran, line)
	switch name {
	case "fails":
		return []byte("no such table\n"), errors.New("exit status 1")
	case "big":
		return []byte(strings.Repeat("x", MaxOutput+10)), nil
	}
	return []byte("out of " + line), nil
}

func TestGather(t *testing.T) {
	dir := t.TempDir()
	conf := filepath.Join(dir, "resolv.conf")
	if err := os.WriteFile(conf, []byte("nameserver 192.0.2.53\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	r := &fakeRunner{}
	got := Gather(context.Background(), r, []Source{
		{Name: "routes", Argv: []string{"ip", "route"}},
		{Name: "broken", Argv: []string{"fails", "now"}},
		{Name: "resolv.conf", File: conf},
		{Name: "missing", File: filepath.Join(dir, "nope")},
		{Name: "big", Argv: []string{"big"}},
		{Name: "firewall", Argv: []string{"nft", "list", "ruleset"}, RootOnly: true},
	}, false)
	if strings.Join(r.ran, "|") != "ip route|fails now|big" {
		t.Errorf("ran %q", r.ran)
	}
	if len(got) != 6 {
		t.Fatalf("got %d parts", len(got))
	}
	if got[0].Output != "out of ip route" || got[0].Error != "" || got[0].Command != "ip route" {
		t.Errorf("routes: %+v", got[0])
	}
	if got[1].Output != "no such table\n" || got[1].Error != "exit status 1" {
		t.Errorf("broken: %+v", got[1])
	}
	if got[2].Output != "nameserver 192.0.2.53\n" || got[2].Command != conf {
		t.Errorf("resolv.conf: %+v", got[2])
	}
	if got[3].Error == "" || got[3].Output != "" {
		t.Errorf("missing: %+v", got[3])
	}
	if got[5].Output != "" || !strings.Contains(got[5].Error, "only root") {
		t.Errorf("firewall for a member: %+v", got[5])
	}
	if st := Gather(context.Background(), r, []Source{{Name: "firewall", Argv: []string{"nft", "list", "ruleset"}, RootOnly: true}}, true); st[0].Output != "out of nft list ruleset" {
		t.Errorf("firewall for root: %+v", st[0])
	}
	if len(got[4].Output) > MaxOutput+100 || !strings.Contains(got[4].Output, "[cut: more than") {
		t.Errorf("big: %d bytes", len(got[4].Output))
	}
}
