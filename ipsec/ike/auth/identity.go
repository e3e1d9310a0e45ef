package auth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"net/netip"
	"strings"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// ParseIdentity turns an identity as a profile writes it into an ID payload
// identity, with strongSwan's rules (its identification_create_from_string):
// an IP address is ID_IPV4_ADDR or ID_IPV6_ADDR, a string with "=" is a
// distinguished name ("C=XX, O=Org, CN=gw.example.com", ID_DER_ASN1_DN), one
// with "@" and a local part is ID_RFC822_ADDR, and anything else is ID_FQDN.
// Prefixes force a type: "@#" an ID_KEY_ID given in hex, "@@" an
// ID_RFC822_ADDR, "@" an ID_FQDN of the rest.
func ParseIdentity(s string) (wire.Identity, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return wire.Identity{}, fmt.Errorf("ike auth: empty identity")
	case strings.HasPrefix(s, "@#"):
		b, err := hex.DecodeString(strings.ReplaceAll(s[2:], ":", ""))
		if err != nil || len(b) == 0 {
			return wire.Identity{}, fmt.Errorf("ike auth: key ID %q is not hex", s)
		}
		return wire.KeyIDIdentity(b), nil
	case strings.HasPrefix(s, "@@"):
		return wire.RFC822Identity(s[2:]), nil
	case strings.HasPrefix(s, "@"):
		return wire.FQDNIdentity(s[1:]), nil
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

// dnAttributes are the attribute names accepted in a textual DN.
var dnAttributes = map[string]asn1.ObjectIdentifier{
	"C":            {2, 5, 4, 6},
	"ST":           {2, 5, 4, 8},
	"L":            {2, 5, 4, 7},
	"O":            {2, 5, 4, 10},
	"OU":           {2, 5, 4, 11},
	"CN":           {2, 5, 4, 3},
	"SN":           {2, 5, 4, 5},
	"E":            {1, 2, 840, 113549, 1, 9, 1},
	"EMAILADDRESS": {1, 2, 840, 113549, 1, 9, 1},
	"DC":           {0, 9, 2342, 19200300, 100, 1, 25},
	"UID":          {0, 9, 2342, 19200300, 100, 1, 1},
}

// parseDN encodes "A=v, B=w" (or "/" separated) as the DER of an RDNSequence,
// one attribute per RDN in the order written, as strongSwan does.
func parseDN(s string) ([]byte, error) {
	sep := ","
	if strings.HasPrefix(s, "/") {
		sep, s = "/", s[1:]
	}
	var seq pkix.RDNSequence
	for part := range strings.SplitSeq(s, sep) {
		k, v, ok := strings.Cut(strings.TrimSpace(part), "=")
		oid, known := dnAttributes[strings.ToUpper(strings.TrimSpace(k))]
		if !ok || !known {
			return nil, fmt.Errorf("ike auth: distinguished name %q: bad attribute %q", s, part)
		}
		seq = append(seq, pkix.RelativeDistinguishedNameSET{{Type: oid, Value: strings.TrimSpace(v)}})
	}
	return asn1.Marshal(seq)
}

// attributeValue is one AttributeTypeAndValue of a DN with its value kept
// raw, so that the string type and the exact octets stay visible.
type attributeValue struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue
}

// equalDN compares two DER distinguished names as strongSwan does (its
// compare_dn and rdn_equals): the same attribute types in the same order,
// each value with the same octets whatever its string type (so that a
// PrintableString and a UTF8String of the same text match), and without
// regard to case when both are PrintableStrings or both IA5String e-mail
// addresses.
func equalDN(a, b []byte) bool {
	if string(a) == string(b) {
		return true
	}
	ra, ok := parseRDNs(a)
	if !ok {
		return false
	}
	rb, ok := parseRDNs(b)
	if !ok || len(ra) != len(rb) {
		return false
	}
	for i := range ra {
		x, y := ra[i], rb[i]
		if !x.Type.Equal(y.Type) || len(x.Value.Bytes) != len(y.Value.Bytes) {
			return false
		}
		fold := x.Value.Tag == y.Value.Tag && (x.Value.Tag == asn1.TagPrintableString ||
			(x.Value.Tag == asn1.TagIA5String && x.Type.Equal(dnAttributes["E"])))
		if fold && !strings.EqualFold(string(x.Value.Bytes), string(y.Value.Bytes)) ||
			!fold && string(x.Value.Bytes) != string(y.Value.Bytes) {
			return false
		}
	}
	return true
}

// parseRDNs flattens the RDNSequence of a DER DN into its attributes, in
// order.
func parseRDNs(der []byte) ([]attributeValue, bool) {
	var seq []asn1.RawValue
	if rest, err := asn1.Unmarshal(der, &seq); err != nil || len(rest) != 0 {
		return nil, false
	}
	var out []attributeValue
	for _, set := range seq {
		var atvs []attributeValue
		if rest, err := asn1.UnmarshalWithParams(set.FullBytes, &atvs, "set"); err != nil || len(rest) != 0 {
			return nil, false
		}
		out = append(out, atvs...)
	}
	return out, true
}

// MatchIdentity checks the identity the peer sent in its ID payload against
// the configured one (RFC 7296 §2.15 leaves the policy to the
// implementation): same type, names compared without regard to case,
// addresses by value, DNs by attribute.
func MatchIdentity(configured, received wire.Identity) error {
	if configured.IDType == received.IDType {
		ok := false
		switch configured.IDType {
		case wire.IDFQDN, wire.IDRFC822:
			ok = strings.EqualFold(string(configured.Data), string(received.Data))
		case wire.IDDERASN1DN:
			ok = equalDN(configured.Data, received.Data)
		default:
			ok = string(configured.Data) == string(received.Data)
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("%w: expected %s, peer is %s", ErrIdentityMismatch, configured.String(), received.String())
}

// MatchCertificate checks that a certificate carries the identity: an
// ID_FQDN as a DNS subjectAltName, an ID_RFC822_ADDR as an e-mail
// subjectAltName, an address as an IP subjectAltName, an ID_DER_ASN1_DN as
// the subject (RFC 4945 §3.1).
func MatchCertificate(id wire.Identity, cert *x509.Certificate) error {
	switch id.IDType {
	case wire.IDFQDN:
		for _, n := range cert.DNSNames {
			if strings.EqualFold(n, string(id.Data)) {
				return nil
			}
		}
	case wire.IDRFC822:
		for _, e := range cert.EmailAddresses {
			if strings.EqualFold(e, string(id.Data)) {
				return nil
			}
		}
	case wire.IDIPv4Addr, wire.IDIPv6Addr:
		if a, ok := id.Addr(); ok {
			for _, ip := range cert.IPAddresses {
				if c, ok := netip.AddrFromSlice(ip); ok && c.Unmap() == a.Unmap() {
					return nil
				}
			}
		}
	case wire.IDDERASN1DN:
		if equalDN(id.Data, cert.RawSubject) {
			return nil
		}
	}
	return fmt.Errorf("%w: certificate %q does not carry identity %s", ErrIdentityMismatch, cert.Subject.String(), id.String())
}
