package ike

import (
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"net/netip"
	"strings"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// ParseIdentity reads an identity written as strongSwan users write them:
// an IP address, "user@example.com" (RFC 822), "@host" or "host.example.com"
// (FQDN), or a distinguished name such as "C=XX, O=Example, CN=gw"
// (RFC 7296 §3.5).
func ParseIdentity(s string) (wire.Identity, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return wire.Identity{}, fmt.Errorf("ike: empty identity")
	case strings.HasPrefix(s, "@"):
		return wire.FQDNIdentity(strings.TrimPrefix(strings.TrimPrefix(s, "@"), "#")), nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		return wire.AddrIdentity(a), nil
	}
	if strings.Contains(s, "=") {
		der, err := parseDN(s)
		if err != nil {
			return wire.Identity{}, err
		}
		return wire.DNIdentity(der), nil
	}
	if strings.Contains(s, "@") {
		return wire.RFC822Identity(s), nil
	}
	return wire.FQDNIdentity(s), nil
}

// dnOIDs maps the attribute names strongSwan prints to their OIDs.
var dnOIDs = map[string]asn1.ObjectIdentifier{
	"C": {2, 5, 4, 6}, "O": {2, 5, 4, 10}, "OU": {2, 5, 4, 11}, "CN": {2, 5, 4, 3},
	"L": {2, 5, 4, 7}, "ST": {2, 5, 4, 8}, "SN": {2, 5, 4, 5},
	"E": {1, 2, 840, 113549, 1, 9, 1}, "DC": {0, 9, 2342, 19200300, 100, 1, 25},
}

// parseDN encodes "C=XX, O=Example, CN=gw" in the written order, the order
// the DER of a certificate's subject has.
func parseDN(s string) ([]byte, error) {
	var rdns pkix.RDNSequence
	for _, part := range strings.Split(s, ",") {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		oid, known := dnOIDs[strings.ToUpper(strings.TrimSpace(k))]
		if !ok || !known {
			return nil, fmt.Errorf("ike: distinguished name %q: cannot read %q", s, part)
		}
		rdns = append(rdns, pkix.RelativeDistinguishedNameSET{{Type: oid, Value: strings.TrimSpace(v)}})
	}
	return asn1.Marshal(rdns)
}

// formatIdentity renders an identity for events and errors; DNs as text.
func formatIdentity(id wire.Identity) string {
	if id.IDType == wire.IDDERASN1DN {
		var rdns pkix.RDNSequence
		if rest, err := asn1.Unmarshal(id.Data, &rdns); err == nil && len(rest) == 0 {
			var n pkix.Name
			n.FillFromRDNSequence(&rdns)
			return n.String()
		}
	}
	if id.IDType == wire.IDFQDN || id.IDType == wire.IDRFC822 {
		return string(id.Data)
	}
	return id.String()
}
