package freebsd

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/espressovpn/espresso/platform/bsd"
)

// resolvconfPath is resolvconf(8) of the FreeBSD base system (openresolv).
const resolvconfPath = "/sbin/resolvconf"

// DNS hands a connection's resolvers to resolvconf(8) as the
// configuration of its first tun device, which merges them into
// /etc/resolv.conf and takes them out again on removal.
type DNS struct {
	run bsd.Runner
}

var _ bsd.DNS = (*DNS)(nil)

// NewDNS returns a DNS that runs resolvconf through run.
func NewDNS(run bsd.Runner) *DNS { return &DNS{run: run} }

// Apply implements bsd.DNS with "resolvconf -a tunN", the resolver lines
// on standard input.
func (d *DNS) Apply(ctx context.Context, req *bsd.DNSRequest) error {
	if err := bsd.CheckDomains(req.Domains); err != nil {
		return err
	}
	return d.resolvconf(ctx, resolvConf(req), "-a", req.Device)
}

// Remove implements bsd.DNS with "resolvconf -f -d tunN": -f makes an
// interface resolvconf no longer knows (removed already) a success.
func (d *DNS) Remove(ctx context.Context, req *bsd.DNSRequest) error {
	return d.resolvconf(ctx, nil, "-f", "-d", req.Device)
}

func (d *DNS) resolvconf(ctx context.Context, stdin []byte, args ...string) error {
	out, err := d.run.Run(ctx, stdin, resolvconfPath, args...)
	if err != nil {
		return fmt.Errorf("resolvconf %s: %w: %s", strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// resolvConf is the resolv.conf(5) text of req: a nameserver line per
// server and one search line.
func resolvConf(req *bsd.DNSRequest) []byte {
	var b strings.Builder
	for _, s := range req.Servers {
		fmt.Fprintf(&b, "nameserver %s\n", s)
	}
	if len(req.Domains) > 0 {
		fmt.Fprintf(&b, "search %s\n", strings.Join(req.Domains, " "))
	}
	return []byte(b.String())
}
