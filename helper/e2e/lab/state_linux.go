package lab

import (
	"fmt"
	"os"
	"strings"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// State is what a connection changes in a namespace: devices, addresses,
// policy rules, routes of every table (the tunnel's is 220) and the
// resolver file. Comparing the State before a connection with the one
// after it shows anything left behind.
type State map[string]string

// ReadState reads the State of ns, with resolvConf its resolver file.
func ReadState(t testnet.T, ns *testnet.Namespace, resolvConf string) State {
	t.Helper()
	s := State{}
	for name, args := range map[string][]string{
		"links":   {"ip", "-br", "link"},
		"addrs":   {"ip", "-br", "addr"},
		"rules4":  {"ip", "-4", "rule"},
		"rules6":  {"ip", "-6", "rule"},
		"routes4": {"ip", "-4", "route", "show", "table", "all"},
		"routes6": {"ip", "-6", "route", "show", "table", "all"},
	} {
		out, err := ns.Run(args...)
		if err != nil {
			t.Fatal(err)
		}
		s[name] = withoutLinkLocal(out)
	}
	b, err := os.ReadFile(resolvConf)
	if err != nil {
		t.Fatal(err)
	}
	s["resolv.conf"] = string(b)
	return s
}

// Diff describes how o differs from s, or returns "" when they are equal.
func (s State) Diff(o State) string {
	var b strings.Builder
	for name, before := range s {
		if after := o[name]; after != before {
			fmt.Fprintf(&b, "%s before:\n%s%s now:\n%s", name, before, name, after)
		}
	}
	return b.String()
}

// withoutLinkLocal drops the lines of IPv6 link-local addresses, which the
// kernel adds by itself once duplicate address detection ends, whenever
// that is.
func withoutLinkLocal(out string) string {
	var b strings.Builder
	for _, l := range strings.SplitAfter(out, "\n") {
		if !strings.Contains(l, "fe80::") {
			b.WriteString(l)
		}
	}
	return b.String()
}
