package linux

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"net/netip"
	"os"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"

	"github.com/espressovpn/espresso/platform"
)

var _ platform.Surveyor = (*Network)(nil)

// Survey implements platform.Surveyor: the addresses of the interfaces
// other than loopback and the helper's TUN devices, their DNS domains
// (from systemd-resolved in resolved mode, else the resolver file) and
// the link-layer addresses of the main table's default gateways, from the
// neighbour table. Only the addresses are required; a DNS or neighbour
// look-up that fails leaves its part empty.
func (n *Network) Survey() (platform.Surroundings, error) {
	pattern := tunPattern(n.opts.TUNName)
	own := func(_ int, name string) bool {
		ok, _ := filepath.Match(pattern, name)
		return ok
	}
	as, err := platform.InterfaceAddrs(own)
	if err != nil {
		return platform.Surroundings{}, err
	}
	s := platform.Surroundings{Addrs: as}
	if n.dns.chooseMode() == dnsModeResolved {
		ctx, cancel := context.WithTimeout(context.Background(), resolvectlTimeout)
		out, err := n.dns.runner.Run(ctx, "resolvectl", "domain")
		cancel()
		if err == nil {
			s.DNSDomains = resolvedDomains(out, func(name string) bool { return own(0, name) })
		}
	} else if b, err := os.ReadFile(n.dns.resolvConf); err == nil {
		s.DNSDomains = resolvConfDomains(b)
	}
	s.GatewayMACs = gatewayMACs(func(i int) bool {
		l, err := netlink.LinkByIndex(i)
		return err == nil && own(i, l.Attrs().Name)
	})
	return s, nil
}

// resolvedDomains reads `resolvectl domain`: one line per link, "Link 2
// (eth0): corp.example ~lab.example", and a "Global:" line. Routing-only
// domains ("~") count as well; "~." (every name) does not, nor do the
// domains of the links own reports as the helper's.
func resolvedDomains(out []byte, own func(name string) bool) []string {
	var ds []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		head, list, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		if i, j := strings.Index(head, "("), strings.LastIndex(head, ")"); i >= 0 && j > i && own(head[i+1:j]) {
			continue
		}
		for _, d := range strings.Fields(list) {
			ds = appendDomain(ds, strings.TrimPrefix(d, "~"))
		}
	}
	return ds
}

// resolvConfMarker starts the resolver file resolvConf writes.
const resolvConfMarker = "# Written by Espresso"

// mainTable is the kernel's main routing table (RT_TABLE_MAIN).
const mainTable = 254

// resolvConfDomains reads the search and domain lines of a resolver file.
// A file the helper wrote for a connection says nothing about the
// network: its domains may be the tunnel's.
func resolvConfDomains(b []byte) []string {
	if bytes.HasPrefix(b, []byte(resolvConfMarker)) {
		return nil
	}
	var ds []string
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) > 1 && (f[0] == "search" || f[0] == "domain") {
			for _, d := range f[1:] {
				ds = appendDomain(ds, d)
			}
		}
	}
	return ds
}

// appendDomain adds d, lower case and without its trailing dot, unless it
// is empty (the root) or listed.
func appendDomain(ds []string, d string) []string {
	d = strings.ToLower(strings.TrimSuffix(d, "."))
	for _, x := range ds {
		if x == d {
			return ds
		}
	}
	if d == "" {
		return ds
	}
	return append(ds, d)
}

// gatewayMACs returns the neighbour entries of the gateways of the main
// table's default routes, leaving out routes through the links own
// reports as the helper's.
func gatewayMACs(own func(index int) bool) []net.HardwareAddr {
	var out []net.HardwareAddr
	for _, fam := range []int{netlink.FAMILY_V4, netlink.FAMILY_V6} {
		routes, err := netlink.RouteListFiltered(fam, &netlink.Route{Table: mainTable}, netlink.RT_FILTER_TABLE)
		if err != nil {
			continue
		}
		for _, r := range routes {
			if !isDefault(r.Dst) || r.Gw == nil || own(r.LinkIndex) {
				continue
			}
			gw, ok := netip.AddrFromSlice(r.Gw)
			if !ok {
				continue
			}
			neighs, err := netlink.NeighList(r.LinkIndex, fam)
			if err != nil {
				continue
			}
			for _, nb := range neighs {
				if a, ok := netip.AddrFromSlice(nb.IP); ok && a.Unmap() == gw.Unmap() && len(nb.HardwareAddr) > 0 {
					out = append(out, nb.HardwareAddr)
				}
			}
		}
	}
	return out
}
