package bsd

import (
	"bytes"
	"context"
	"fmt"
	"net/netip"
	"os/exec"
	"slices"

	"github.com/espressovpn/espresso/platform"
)

// DNS applies a connection's resolver settings through the OS's
// mechanism: the system configuration store on macOS, resolvconf(8) on
// FreeBSD.
type DNS interface {
	// Apply installs req, replacing whatever an earlier Apply with the
	// same Tunnel installed.
	Apply(ctx context.Context, req *DNSRequest) error
	// Remove undoes an Apply of req; it succeeds when nothing is left to
	// remove.
	Remove(ctx context.Context, req *DNSRequest) error
}

// DNSRequest is the DNS state one tunnel wants. It is stored in the crash
// record, so that Remove can undo it from another process.
type DNSRequest struct {
	// Tunnel is the connection name.
	Tunnel string `json:"tunnel"`
	// Device is the TUN device the settings belong to: the first of the
	// tunnel's devices.
	Device string `json:"device"`
	// Addrs are the tunnel's virtual IPs and the devices holding them.
	Addrs []DeviceAddr `json:"addrs,omitempty"`
	// Servers and Domains are the resolvers and search domains.
	Servers []netip.Addr `json:"servers,omitempty"`
	Domains []string     `json:"domains,omitempty"`
	// Default4 and Default6 say that all IPv4 or IPv6 traffic goes through
	// the tunnel (a remote selector of length zero), so its resolvers
	// replace the system's rather than serve only its domains.
	Default4 bool `json:"default4,omitempty"`
	Default6 bool `json:"default6,omitempty"`
}

// DeviceAddr is a virtual IP and the device it is on.
type DeviceAddr struct {
	Device string       `json:"device"`
	Addr   netip.Prefix `json:"addr"`
}

// equal reports whether r and o want the same state.
func (r *DNSRequest) equal(o *DNSRequest) bool {
	if r == nil || o == nil {
		return r == o
	}
	return r.Tunnel == o.Tunnel && r.Device == o.Device && slices.Equal(r.Addrs, o.Addrs) &&
		slices.Equal(r.Servers, o.Servers) && slices.Equal(r.Domains, o.Domains) &&
		r.Default4 == o.Default4 && r.Default6 == o.Default6
}

// dnsRequest builds the request for c on the given devices; nil when c
// asks for no DNS change.
func dnsRequest(tunnel string, c *platform.Config, links []linkInfo) *DNSRequest {
	if c.DNS.IsZero() || len(links) == 0 {
		return nil
	}
	r := &DNSRequest{
		Tunnel:  tunnel,
		Device:  links[0].dev,
		Servers: slices.Clone(c.DNS.Servers),
		Domains: slices.Clone(c.DNS.Domains),
	}
	for _, l := range links {
		if l.vip.IsValid() {
			r.Addrs = append(r.Addrs, DeviceAddr{Device: l.dev, Addr: l.vip})
		}
	}
	for _, ts := range c.RemoteSelectors {
		if ts.Bits() == 0 {
			if ts.Addr().Is4() {
				r.Default4 = true
			} else {
				r.Default6 = true
			}
		}
	}
	return r
}

// Runner runs an external command with stdin as its input and returns its
// combined output. Tests swap it to compare the generated commands.
type Runner interface {
	Run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error)
}

// ExecRunner runs commands with os/exec.
type ExecRunner struct{}

// Run implements Runner.
func (ExecRunner) Run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	return cmd.CombinedOutput()
}

// CheckDomains refuses search domains that are not plain DNS names
// (letters, digits, '-', '_' and dots), which keeps them from carrying
// other commands or settings into scutil's or resolvconf's input.
func CheckDomains(domains []string) error {
	for _, d := range domains {
		ok := d != "" && len(d) <= 253
		for _, c := range d {
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
				ok = false
			}
		}
		if !ok {
			return &platform.ConfigError{Field: "dns", Reason: fmt.Sprintf("search domain %q is not a DNS name", d)}
		}
	}
	return nil
}
