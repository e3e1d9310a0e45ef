package profile

import (
	"net"
	"net/netip"
	"strconv"
	"strings"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// TrustKind is how a trusted network is recognised.
type TrustKind int

// The kinds of trusted_networks entries, by their prefix in the profile.
const (
	// TrustDNSSuffix: a search or routing domain of a physical
	// interface ("dns-suffix:corp.example").
	TrustDNSSuffix TrustKind = iota + 1
	// TrustPrefix: an address of a physical interface inside the
	// network ("prefix:192.0.2.0/24").
	TrustPrefix
	// TrustGatewayMAC: the link-layer address of the default gateway
	// ("gateway-mac:00:00:5e:00:53:01").
	TrustGatewayMAC
)

// The prefixes of trusted_networks entries.
const (
	TrustDNSSuffixKey  = "dns-suffix"
	TrustPrefixKey     = "prefix"
	TrustGatewayMACKey = "gateway-mac"
)

// maxTrusted bounds trusted_networks.
const maxTrusted = 32

// TrustedNetwork is one trusted_networks entry: a network on which an
// always-on connection stays down.
type TrustedNetwork struct {
	Kind TrustKind
	// Domain is the DNS suffix (TrustDNSSuffix), lower case, without a
	// trailing dot.
	Domain string
	// Prefix is the network (TrustPrefix), masked.
	Prefix netip.Prefix
	// MAC is the gateway's address (TrustGatewayMAC).
	MAC net.HardwareAddr
}

// String returns the entry as a profile writes it, normalised:
// "prefix:192.0.2.0/24".
func (t TrustedNetwork) String() string {
	switch t.Kind {
	case TrustDNSSuffix:
		return TrustDNSSuffixKey + ":" + t.Domain
	case TrustPrefix:
		return TrustPrefixKey + ":" + t.Prefix.String()
	case TrustGatewayMAC:
		return TrustGatewayMACKey + ":" + t.MAC.String()
	}
	return ""
}

// trustedRule is what every entry must look like.
const trustedRule = "use dns-suffix:DOMAIN, prefix:NETWORK or gateway-mac:MAC"

// trusted checks the trusted_networks key: each entry KIND:VALUE, each
// once, at most maxTrusted.
func (ps *parser) trusted(in []string) []TrustedNetwork {
	if len(in) > maxTrusted {
		ps.add(api.FieldTrustedNetworks, -1, "%d networks; at most %d are allowed", len(in), maxTrusted)
		return nil
	}
	var out []TrustedNetwork
	seen := map[string]bool{}
	for i, s := range in {
		t, reason := ParseTrustedNetwork(s)
		if reason != "" {
			ps.add(api.FieldTrustedNetworks, i, "%s", reason)
			continue
		}
		if seen[t.String()] {
			ps.add(api.FieldTrustedNetworks, i, "%q is given twice", s)
			continue
		}
		seen[t.String()] = true
		out = append(out, t)
	}
	return out
}

// ParseTrustedNetwork reads one trusted_networks entry; the reason is
// empty when it is sound, else it says what is wrong, in words.
func ParseTrustedNetwork(s string) (TrustedNetwork, string) {
	kind, v, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || v == "" {
		if strings.EqualFold(kind, "ssid") {
			return TrustedNetwork{}, "SSIDs cannot be matched: the helper does not read the Wi-Fi network's name; " + trustedRule
		}
		return TrustedNetwork{}, trustedRule
	}
	switch strings.ToLower(kind) {
	case TrustDNSSuffixKey:
		d, err := wire.ParseDNSDomain(v)
		if err != nil {
			return TrustedNetwork{}, "dns-suffix: " + err.Error()
		}
		return TrustedNetwork{Kind: TrustDNSSuffix, Domain: d}, ""
	case TrustPrefixKey:
		p, err := netip.ParsePrefix(v)
		switch {
		case err != nil:
			return TrustedNetwork{}, "prefix: " + strconv.Quote(v) + " is not a network such as 192.0.2.0/24"
		case p != p.Masked():
			return TrustedNetwork{}, "prefix: " + strconv.Quote(v) + " has host bits set; did you mean " + p.Masked().String() + "?"
		}
		return TrustedNetwork{Kind: TrustPrefix, Prefix: p}, ""
	case TrustGatewayMACKey:
		m, err := net.ParseMAC(v)
		if err != nil || len(m) != 6 {
			return TrustedNetwork{}, "gateway-mac: " + strconv.Quote(v) + " is not an Ethernet address such as 00:00:5e:00:53:01"
		}
		return TrustedNetwork{Kind: TrustGatewayMAC, MAC: m}, ""
	case "ssid":
		return TrustedNetwork{}, "SSIDs cannot be matched: the helper does not read the Wi-Fi network's name; " + trustedRule
	}
	return TrustedNetwork{}, strconv.Quote(kind) + " is not a kind of trusted network; " + trustedRule
}
