package darwin

import (
	"context"
	"errors"
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/bsd"
)

type call struct {
	name  string
	args  []string
	stdin string
}

// recorder is a bsd.Runner that records the commands and answers with out.
type recorder struct {
	calls []call
	out   string
}

func (r *recorder) Run(_ context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	r.calls = append(r.calls, call{name, args, string(stdin)})
	return []byte(r.out), nil
}

func pfx(s string) netip.Prefix { return netip.MustParsePrefix(s) }
func ip(s string) netip.Addr    { return netip.MustParseAddr(s) }

// "work" is 776f726b in hex.
const key = "State:/Network/Service/espresso-776f726b"

func TestScutilFullTunnel(t *testing.T) {
	r := &recorder{}
	req := &bsd.DNSRequest{
		Tunnel: "work", Device: "utun5",
		Addrs: []bsd.DeviceAddr{
			{Device: "utun5", Addr: pfx("10.3.0.1/32")},
			{Device: "utun6", Addr: pfx("2001:db8:3::1/128")},
		},
		Servers:  []netip.Addr{ip("10.3.0.53"), ip("2001:db8:3::53")},
		Domains:  []string{"corp.example", "lab.corp.example"},
		Default4: true, Default6: true,
	}
	if err := NewDNS(r).Apply(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	want := "open\n" +
		"d.init\n" +
		"d.add ServerAddresses * 10.3.0.53 2001:db8:3::53\n" +
		"d.add SearchDomains * corp.example lab.corp.example\n" +
		"set " + key + "/DNS\n" +
		"d.init\n" +
		"d.add Addresses * 10.3.0.1\n" +
		"d.add SubnetMasks * 255.255.255.255\n" +
		"d.add InterfaceName utun5\n" +
		"d.add OverridePrimary # 1\n" +
		"set " + key + "/IPv4\n" +
		"d.init\n" +
		"d.add Addresses * 2001:db8:3::1\n" +
		"d.add PrefixLength * 128\n" +
		"d.add InterfaceName utun6\n" +
		"d.add OverridePrimary # 1\n" +
		"set " + key + "/IPv6\n" +
		"close\n"
	if len(r.calls) != 1 || r.calls[0].name != "/usr/sbin/scutil" || len(r.calls[0].args) != 0 {
		t.Fatalf("calls %+v", r.calls)
	}
	if r.calls[0].stdin != want {
		t.Fatalf("scutil input:\n%s\nwant:\n%s", r.calls[0].stdin, want)
	}
}

// A split tunnel sends only its domains to its resolvers and does not
// take over as primary service.
func TestScutilSplitTunnel(t *testing.T) {
	r := &recorder{}
	req := &bsd.DNSRequest{
		Tunnel: "work", Device: "utun5",
		Addrs:   []bsd.DeviceAddr{{Device: "utun5", Addr: pfx("10.3.0.1/24")}},
		Servers: []netip.Addr{ip("10.3.0.53")},
		Domains: []string{"corp.example"},
	}
	if err := NewDNS(r).Apply(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	want := "open\n" +
		"d.init\n" +
		"d.add ServerAddresses * 10.3.0.53\n" +
		"d.add SearchDomains * corp.example\n" +
		"d.add SupplementalMatchDomains * corp.example\n" +
		"set " + key + "/DNS\n" +
		"d.init\n" +
		"d.add Addresses * 10.3.0.1\n" +
		"d.add SubnetMasks * 255.255.255.0\n" +
		"d.add InterfaceName utun5\n" +
		"set " + key + "/IPv4\n" +
		"close\n"
	if r.calls[0].stdin != want {
		t.Fatalf("scutil input:\n%s\nwant:\n%s", r.calls[0].stdin, want)
	}
}

func TestScutilRemove(t *testing.T) {
	r := &recorder{}
	if err := NewDNS(r).Remove(context.Background(), &bsd.DNSRequest{Tunnel: "work", Device: "utun5"}); err != nil {
		t.Fatal(err)
	}
	want := "open\nremove " + key + "/DNS\nremove " + key + "/IPv4\nremove " + key + "/IPv6\nclose\n"
	if len(r.calls) != 1 || r.calls[0].stdin != want {
		t.Fatalf("calls %+v", r.calls)
	}
}

// scutil exits 0 after a failed command; its output is the error.
func TestScutilOutputIsFailure(t *testing.T) {
	r := &recorder{out: "  No such key\n"}
	err := NewDNS(r).Remove(context.Background(), &bsd.DNSRequest{Tunnel: "work"})
	if err == nil || err.Error() != "scutil: No such key" {
		t.Fatalf("Remove = %v", err)
	}
}

func TestScutilRefusesInjection(t *testing.T) {
	r := &recorder{}
	req := &bsd.DNSRequest{Tunnel: "work", Servers: []netip.Addr{ip("10.3.0.53")}, Domains: []string{"x\nremove State:/Network/Global/DNS"}}
	var ce *platform.ConfigError
	if err := NewDNS(r).Apply(context.Background(), req); !errors.As(err, &ce) || len(r.calls) != 0 {
		t.Fatalf("Apply = %v, %d calls", err, len(r.calls))
	}
}
