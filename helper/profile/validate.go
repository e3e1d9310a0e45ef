package profile

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"net"
	"net/netip"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// Limits checked by Validate.
const (
	// DefaultMTU is the tunnel MTU when a profile sets none.
	DefaultMTU = 1400
	// MinMTU is the smallest MTU a profile may set: IPv4's minimum
	// datagram size every host must accept (RFC 791).
	MinMTU = 576
	// MinMTUIPv6 is the smallest MTU when IPv6 goes through the tunnel
	// (RFC 8200 §5).
	MinMTUIPv6 = 1280
	// MaxMTU is the largest MTU a profile may set (a jumbo frame).
	MaxMTU = 9000
	// MaxInterval bounds dpd and nat_keepalive.
	MaxInterval = time.Hour
	// maxIdentity bounds identities and user names, in bytes.
	maxIdentity = 255
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidName reports whether name can name a profile (and its file).
func ValidName(name string) bool { return nameRE.MatchString(name) }

// Validate checks every field of p and returns an *api.Error naming the
// first field that is wrong (CodeInvalidProfile), or nil. Secrets count as
// present when given or when their Has* flag says they are stored.
func Validate(p *api.Profile) error {
	if !ValidName(p.Name) {
		return api.FieldError("name", "must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if _, _, err := SplitGateway(p.Gateway); err != nil {
		return api.FieldError("gateway", "%v", err)
	}
	if err := checkIdentity("remote_id", p.RemoteID); err != nil {
		return err
	}
	if err := checkIdentity("local_id", p.LocalID); err != nil {
		return err
	}
	if err := checkAuth(p); err != nil {
		return err
	}
	if err := checkProposals("ike_proposals", p.IKEProposals, false); err != nil {
		return err
	}
	if err := checkProposals("esp_proposals", p.ESPProposals, true); err != nil {
		return err
	}
	v6, err := checkPrefixes("remote_ts", p.RemoteTS)
	if err != nil {
		return err
	}
	if len(p.RemoteTS) == 0 {
		v6 = true // the default selectors include ::/0
	}
	if _, err := checkPrefixes("exclude", p.Exclude); err != nil {
		return err
	}
	for i, s := range p.DNS {
		if a, err := netip.ParseAddr(s); err != nil || a.Zone() != "" {
			return api.FieldError(fmt.Sprintf("dns[%d]", i), "%q is not an IP address", s)
		}
	}
	if err := checkMTU(p.MTU, v6); err != nil {
		return err
	}
	if p.FWMark != "" {
		if _, err := ParseFWMark(p.FWMark); err != nil {
			return api.FieldError("fwmark", "%v", err)
		}
	}
	if _, err := Interval("dpd", p.DPD); err != nil {
		return err
	}
	if _, err := Interval("nat_keepalive", p.NATKeepalive); err != nil {
		return err
	}
	return nil
}

// SplitGateway splits a gateway into host and port (500 when not given).
// The host is a DNS name or an IP address; an IPv6 address with a port is
// written in brackets ("[2001:db8::1]:4500").
func SplitGateway(gw string) (host string, port uint16, err error) {
	if gw == "" {
		return "", 0, fmt.Errorf("missing")
	}
	host, portStr := gw, ""
	if strings.HasPrefix(gw, "[") || strings.Count(gw, ":") == 1 {
		host, portStr, err = net.SplitHostPort(gw)
		if err != nil {
			return "", 0, fmt.Errorf("%q is not host[:port]", gw)
		}
	}
	port = 500
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

func checkIdentity(field, id string) error {
	if len(id) > maxIdentity {
		return api.FieldError(field, "longer than %d bytes", maxIdentity)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return api.FieldError(field, "contains a control character")
		}
	}
	return nil
}

// checkAuth checks the auth method and that the secrets and material it
// needs are there, and only those.
func checkAuth(p *api.Profile) error {
	hasPSK := p.PSK != "" || p.HasPSK
	hasKey := p.Key != "" || p.HasKey
	hasP12 := p.P12 != "" || p.HasP12
	switch p.Auth {
	case api.AuthPSK:
		if !hasPSK {
			return api.FieldError("psk", "required with auth %q", p.Auth)
		}
	case api.AuthCert, api.AuthEAPTLS:
		if !hasP12 && (p.Cert == "" || !hasKey) {
			return api.FieldError("cert", "auth %q needs cert and key, or p12", p.Auth)
		}
	case api.AuthEAPMSCHAPv2:
		if p.Username == "" && p.LocalID == "" {
			return api.FieldError("username", "required with auth %q", p.Auth)
		}
	case "":
		return api.FieldError("auth", "missing; one of psk, cert, eap-mschapv2, eap-tls")
	default:
		return api.FieldError("auth", "%q is not one of psk, cert, eap-mschapv2, eap-tls", p.Auth)
	}
	if p.Auth != api.AuthPSK && p.PSK != "" {
		return api.FieldError("psk", "not used with auth %q", p.Auth)
	}
	if p.Auth != api.AuthEAPMSCHAPv2 && p.Password != "" {
		return api.FieldError("password", "not used with auth %q", p.Auth)
	}
	if err := checkIdentity("username", p.Username); err != nil {
		return err
	}
	if p.Cert != "" {
		if err := checkPEM("cert", p.Cert, checkCerts); err != nil {
			return err
		}
	}
	if p.Key != "" {
		if err := checkPEM("key", p.Key, checkKey); err != nil {
			return err
		}
	}
	if p.CA != "" {
		if err := checkPEM("ca", p.CA, checkCerts); err != nil {
			return err
		}
	}
	if p.P12 != "" && !filepath.IsAbs(p.P12) {
		if _, err := base64.StdEncoding.DecodeString(strings.TrimSpace(p.P12)); err != nil {
			return api.FieldError("p12", "neither base64 PKCS#12 data nor an absolute path")
		}
	}
	return nil
}

// checkPEM accepts inline PEM (checked by check) or an absolute path, which
// the helper reads when it connects.
func checkPEM(field, v string, check func([]byte) error) error {
	if strings.Contains(v, "-----BEGIN ") {
		if err := check([]byte(v)); err != nil {
			return api.FieldError(field, "%v", err)
		}
		return nil
	}
	if !filepath.IsAbs(v) {
		return api.FieldError(field, "neither PEM text nor an absolute path")
	}
	return nil
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
		return fmt.Errorf("no PEM certificate")
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
			return fmt.Errorf("no PEM private key")
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

func checkProposals(field string, ps []string, esp bool) error {
	for i, s := range ps {
		if _, err := suite.ParseProposal(s, esp); err != nil {
			return api.FieldError(fmt.Sprintf("%s[%d]", field, i), "%v", err)
		}
	}
	return nil
}

// checkPrefixes parses a list of prefixes and reports whether any is IPv6.
func checkPrefixes(field string, ps []string) (v6 bool, err error) {
	for i, s := range ps {
		f := fmt.Sprintf("%s[%d]", field, i)
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return false, api.FieldError(f, "%q is not an address prefix such as 192.0.2.0/24", s)
		}
		if p != p.Masked() {
			return false, api.FieldError(f, "%q has host bits set; did you mean %s?", s, p.Masked())
		}
		v6 = v6 || p.Addr().Is6()
	}
	return v6, nil
}

func checkMTU(mtu int, v6 bool) error {
	if mtu == 0 {
		return nil
	}
	if mtu < MinMTU || mtu > MaxMTU {
		return api.FieldError("mtu", "%d is outside %d..%d", mtu, MinMTU, MaxMTU)
	}
	if v6 && mtu < MinMTUIPv6 {
		return api.FieldError("mtu", "%d is below %d, the minimum for IPv6 through the tunnel", mtu, MinMTUIPv6)
	}
	return nil
}

// Interval parses a dpd or nat_keepalive duration: empty means the default
// (returned as -1), "0s" disables, otherwise 1s to MaxInterval.
func Interval(field, s string) (time.Duration, error) {
	if s == "" {
		return -1, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, api.FieldError(field, "%q is not a duration such as 30s", s)
	}
	if d != 0 && (d < time.Second || d > MaxInterval) {
		return 0, api.FieldError(field, "%s is outside 1s..%s (0s disables)", d, MaxInterval)
	}
	return d, nil
}

// ParseFWMark parses a firewall mark, decimal or 0x-prefixed hex, nonzero.
func ParseFWMark(s string) (uint32, error) {
	n, err := strconv.ParseUint(s, 0, 32)
	if err != nil || n == 0 {
		return 0, fmt.Errorf("%q is not a nonzero 32-bit number (decimal or 0x hex)", s)
	}
	return uint32(n), nil
}
