package profile

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// pemMarker starts every PEM block: a value holding it is inline PEM,
// otherwise a path.
const pemMarker = "-----BEGIN "

// isLegacyPath reports whether a stored value of cert, key, ca or p12 is
// a file's path, as profiles held before the *_file keys existed: an
// absolute path, not PEM text. (Base64 PKCS#12 data never starts with
// '/': the DER SEQUENCE it encodes starts with 'M'.) Only Migrate asks,
// and only of stored profiles.
func isLegacyPath(v string) bool {
	return filepath.IsAbs(v) && !strings.Contains(v, pemMarker)
}

// SplitGateway splits a gateway into host and port (DefaultPort when not
// given). The host is a DNS name or an IP address; an IPv6 address with a
// port is written in brackets ("[2001:db8::1]:4500").
func SplitGateway(gw string) (host string, port uint16, err error) {
	if gw == "" {
		return "", 0, errMissing
	}
	host, portStr := gw, ""
	if strings.HasPrefix(gw, "[") || strings.Count(gw, ":") == 1 {
		host, portStr, err = net.SplitHostPort(gw)
		if err != nil {
			return "", 0, fmt.Errorf("%q is not host[:port]", gw)
		}
	}
	port = DefaultPort
	if portStr != "" {
		n, err := strconv.ParseUint(portStr, 10, 16)
		if err != nil || n == 0 {
			return "", 0, fmt.Errorf("port %q is not a number from 1 to 65535", portStr)
		}
		port = uint16(n)
	}
	if a, err := netip.ParseAddr(host); err == nil {
		if a.Zone() != "" {
			return "", 0, fmt.Errorf("%q: zoned addresses are not supported", host)
		}
		return host, port, nil
	}
	if !validHostname(host) {
		return "", 0, fmt.Errorf("%q is neither a host name nor an IP address", host)
	}
	return host, port, nil
}

// validHostname checks the DNS name syntax of RFC 1123 §2.1.
func validHostname(h string) bool {
	h = strings.TrimSuffix(h, ".")
	if h == "" || len(h) > 253 {
		return false
	}
	for _, label := range strings.Split(h, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return false
			}
		}
	}
	return true
}

func checkCerts(data []byte) error {
	n := 0
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return fmt.Errorf("certificate %d does not parse: %v", n+1, err)
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no complete PEM certificate block")
	}
	return nil
}

// checkKey parses the first private key block. Its error never quotes the
// key.
func checkKey(data []byte) error {
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			return fmt.Errorf("no complete PEM private key block")
		}
		var err error
		switch b.Type {
		case "PRIVATE KEY":
			_, err = x509.ParsePKCS8PrivateKey(b.Bytes)
		case "RSA PRIVATE KEY":
			_, err = x509.ParsePKCS1PrivateKey(b.Bytes)
		case "EC PRIVATE KEY":
			_, err = x509.ParseECPrivateKey(b.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return fmt.Errorf("encrypted private keys are not supported; store it unencrypted (the helper keeps it readable by root only)")
		default:
			continue
		}
		if err != nil {
			return fmt.Errorf("%s does not parse", strings.ToLower(b.Type))
		}
		return nil
	}
}

// ParseFWMark parses a firewall mark, decimal or 0x-prefixed hex, nonzero.
func ParseFWMark(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 0, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a nonzero 32-bit number (decimal or 0x hex)", s)
	}
	return uint32(n), nil
}

// dnsDomains checks the dns_domains key: DNS names (wire.ParseDNSDomain),
// each once, at most wire.MaxDNSDomains. They are kept normalised.
func (ps *parser) dnsDomains(in []string) []string {
	if len(in) > wire.MaxDNSDomains {
		ps.add(api.FieldDNSDomains, -1, "%d domains; at most %d are allowed", len(in), wire.MaxDNSDomains)
		return nil
	}
	var out []string
	for i, s := range in {
		d, err := wire.ParseDNSDomain(s)
		if err != nil {
			ps.add(api.FieldDNSDomains, i, "%v", err)
			continue
		}
		if slices.Contains(out, d) {
			ps.add(api.FieldDNSDomains, i, "domain %q is given twice", s)
			continue
		}
		out = append(out, d)
	}
	return out
}
