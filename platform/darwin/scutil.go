package darwin

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"github.com/espressovpn/espresso/platform/bsd"
)

// scutilPath is scutil(8), which edits the dynamic store of configd.
const scutilPath = "/usr/sbin/scutil"

// DNS sets a connection's resolvers as a service of its own in the
// dynamic store (State:/Network/Service/<id>/DNS), as VPN clients on macOS
// do. When the tunnel carries all traffic of a family, the service's IPv4
// or IPv6 entity claims OverridePrimary so that its resolvers become the
// system's default ones; otherwise the search domains become
// SupplementalMatchDomains, and only names in them go to the tunnel's
// resolvers.
type DNS struct {
	run bsd.Runner
}

var _ bsd.DNS = (*DNS)(nil)

// NewDNS returns a DNS that runs scutil through run.
func NewDNS(run bsd.Runner) *DNS { return &DNS{run: run} }

// serviceID is the dynamic store service of the connection called tunnel;
// hex keeps any connection name a single path element.
func serviceID(tunnel string) string {
	return "espresso-" + hex.EncodeToString([]byte(tunnel))
}

// Apply implements bsd.DNS.
func (d *DNS) Apply(ctx context.Context, req *bsd.DNSRequest) error {
	if err := bsd.CheckDomains(req.Domains); err != nil {
		return err
	}
	return d.scutil(ctx, setScript(req))
}

// Remove implements bsd.DNS; removing keys that are not there succeeds.
func (d *DNS) Remove(ctx context.Context, req *bsd.DNSRequest) error {
	return d.scutil(ctx, removeScript(req.Tunnel))
}

// scutil runs a script. scutil reports failures on its output and exits 0,
// so any output is an error.
func (d *DNS) scutil(ctx context.Context, script []byte) error {
	out, err := d.run.Run(ctx, script, scutilPath)
	if err != nil {
		return fmt.Errorf("scutil: %w: %s", err, bytes.TrimSpace(out))
	}
	if len(bytes.TrimSpace(out)) > 0 {
		return fmt.Errorf("scutil: %s", bytes.TrimSpace(out))
	}
	return nil
}

// setScript is the scutil input that installs req.
func setScript(req *bsd.DNSRequest) []byte {
	key := "State:/Network/Service/" + serviceID(req.Tunnel)
	var b strings.Builder
	b.WriteString("open\n")
	b.WriteString("d.init\n")
	if len(req.Servers) > 0 {
		fmt.Fprintf(&b, "d.add ServerAddresses *%s\n", joinAddrs(req.Servers))
	}
	if len(req.Domains) > 0 {
		fmt.Fprintf(&b, "d.add SearchDomains * %s\n", strings.Join(req.Domains, " "))
		if !req.Default4 && !req.Default6 {
			fmt.Fprintf(&b, "d.add SupplementalMatchDomains * %s\n", strings.Join(req.Domains, " "))
		}
	}
	fmt.Fprintf(&b, "set %s/DNS\n", key)
	for _, fam := range []struct {
		entity string
		is4    bool
		def    bool
	}{{"IPv4", true, req.Default4}, {"IPv6", false, req.Default6}} {
		var dev string
		var addrs []netip.Prefix
		for _, a := range req.Addrs {
			if a.Addr.Addr().Is4() == fam.is4 {
				if dev == "" {
					dev = a.Device
				}
				addrs = append(addrs, a.Addr)
			}
		}
		if dev == "" {
			continue
		}
		b.WriteString("d.init\n")
		fmt.Fprintf(&b, "d.add Addresses *%s\n", joinPrefixAddrs(addrs))
		if fam.is4 {
			fmt.Fprintf(&b, "d.add SubnetMasks *%s\n", joinMasks(addrs))
		} else {
			fmt.Fprintf(&b, "d.add PrefixLength *%s\n", joinBits(addrs))
		}
		fmt.Fprintf(&b, "d.add InterfaceName %s\n", dev)
		if fam.def {
			b.WriteString("d.add OverridePrimary # 1\n")
		}
		fmt.Fprintf(&b, "set %s/%s\n", key, fam.entity)
	}
	b.WriteString("close\n")
	return []byte(b.String())
}

// removeScript is the scutil input that removes every key setScript may
// have set for tunnel.
func removeScript(tunnel string) []byte {
	key := "State:/Network/Service/" + serviceID(tunnel)
	return []byte("open\n" +
		"remove " + key + "/DNS\n" +
		"remove " + key + "/IPv4\n" +
		"remove " + key + "/IPv6\n" +
		"close\n")
}

func joinAddrs(as []netip.Addr) string {
	var b strings.Builder
	for _, a := range as {
		b.WriteString(" " + a.String())
	}
	return b.String()
}

func joinPrefixAddrs(ps []netip.Prefix) string {
	var b strings.Builder
	for _, p := range ps {
		b.WriteString(" " + p.Addr().String())
	}
	return b.String()
}

func joinMasks(ps []netip.Prefix) string {
	var b strings.Builder
	for _, p := range ps {
		m := netip.PrefixFrom(netip.AddrFrom4([4]byte{255, 255, 255, 255}), p.Bits()).Masked().Addr()
		b.WriteString(" " + m.String())
	}
	return b.String()
}

func joinBits(ps []netip.Prefix) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, " %d", p.Bits())
	}
	return b.String()
}
