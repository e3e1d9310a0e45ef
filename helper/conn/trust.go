package conn

import (
	"bytes"
	"strings"

	prof "github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/session"
)

// trustedBy returns the first of ts that the surroundings s show the
// machine is on: a DNS domain equal to or under a dns-suffix entry, an
// address inside a prefix entry, a default gateway with the entry's
// link-layer address.
func trustedBy(ts []prof.TrustedNetwork, s session.Surroundings) (prof.TrustedNetwork, bool) {
	for _, t := range ts {
		if onNetwork(t, s) {
			return t, true
		}
	}
	return prof.TrustedNetwork{}, false
}

func onNetwork(t prof.TrustedNetwork, s session.Surroundings) bool {
	switch t.Kind {
	case prof.TrustDNSSuffix:
		for _, d := range s.DNSDomains {
			if d == t.Domain || strings.HasSuffix(d, "."+t.Domain) {
				return true
			}
		}
	case prof.TrustPrefix:
		for _, a := range s.Addrs {
			if t.Prefix.Contains(a) {
				return true
			}
		}
	case prof.TrustGatewayMAC:
		for _, m := range s.GatewayMACs {
			if bytes.Equal(m, t.MAC) {
				return true
			}
		}
	}
	return false
}
