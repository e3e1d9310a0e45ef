package freebsd

import (
	"context"
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/bsd"
)

type call struct {
	name  string
	args  []string
	stdin string
}

// recorder is a bsd.Runner that records the commands and fails with err.
type recorder struct {
	calls []call
	err   error
}

func (r *recorder) Run(_ context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	r.calls = append(r.calls, call{name, args, string(stdin)})
	return nil, r.err
}

func TestResolvconfAddAndDelete(t *testing.T) {
	r := &recorder{}
	d := NewDNS(r)
	req := &bsd.DNSRequest{
		Tunnel: "work", Device: "tun4",
		Servers: []netip.Addr{netip.MustParseAddr("10.3.0.53"), netip.MustParseAddr("2001:db8:3::53")},
		Domains: []string{"corp.example", "lab.corp.example"},
	}
	if err := d.Apply(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	if err := d.Remove(context.Background(), req); err != nil {
		t.Fatal(err)
	}
	want := []call{
		{"/sbin/resolvconf", []string{"-a", "tun4"}, "nameserver 10.3.0.53\nnameserver 2001:db8:3::53\nsearch corp.example lab.corp.example\n"},
		{"/sbin/resolvconf", []string{"-f", "-d", "tun4"}, ""},
	}
	if !slices.EqualFunc(r.calls, want, func(a, b call) bool {
		return a.name == b.name && slices.Equal(a.args, b.args) && a.stdin == b.stdin
	}) {
		t.Fatalf("calls %q\nwant %q", r.calls, want)
	}
}

func TestResolvconfServersOnly(t *testing.T) {
	req := &bsd.DNSRequest{Device: "tun4", Servers: []netip.Addr{netip.MustParseAddr("10.3.0.53")}}
	if got := string(resolvConf(req)); got != "nameserver 10.3.0.53\n" {
		t.Fatalf("resolv.conf %q", got)
	}
}

func TestResolvconfFailureAndInjection(t *testing.T) {
	boom := errors.New("exit status 1")
	r := &recorder{err: boom}
	d := NewDNS(r)
	if err := d.Apply(context.Background(), &bsd.DNSRequest{Device: "tun4"}); !errors.Is(err, boom) {
		t.Fatalf("Apply = %v", err)
	}
	var ce *platform.ConfigError
	bad := &bsd.DNSRequest{Device: "tun4", Domains: []string{"a\nnameserver 192.0.2.66"}}
	if err := d.Apply(context.Background(), bad); !errors.As(err, &ce) || len(r.calls) != 1 {
		t.Fatalf("Apply with injected line = %v, %d calls", err, len(r.calls))
	}
}
