package sswan

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net"
	"net/netip"
	"regexp"
	"strconv"
	"strings"

	"github.com/espressovpn/espresso/helper/api"
)

// file is the .sswan format. Pointers tell a key that is absent from one
// set to its zero value.
type file struct {
	UUID         string   `json:"uuid"`
	Name         string   `json:"name"`
	Type         string   `json:"type"`
	Remote       *remote  `json:"remote"`
	Local        *local   `json:"local"`
	IKEProposal  string   `json:"ike-proposal"`
	ESPProposal  string   `json:"esp-proposal"`
	DNSServers   string   `json:"dns-servers"`
	MTU          *int     `json:"mtu"`
	NATKeepalive *int     `json:"nat-keepalive"`
	Split        *split   `json:"split-tunneling"`
	Apps         []string `json:"apps"`
	ExcludedApps []string `json:"excluded-apps"`
	Proxy        *proxy   `json:"proxy"`
}

type remote struct {
	Addr       string      `json:"addr"`
	Port       *int        `json:"port"`
	ID         string      `json:"id"`
	Cert       string      `json:"cert"`
	CertReq    *bool       `json:"certreq"`
	Revocation *revocation `json:"revocation"`
}

type revocation struct {
	CRL    *bool `json:"crl"`
	OCSP   *bool `json:"ocsp"`
	Strict bool  `json:"strict"`
}

type local struct {
	ID     string `json:"id"`
	EAPID  string `json:"eap_id"`
	P12    string `json:"p12"`
	RSAPSS bool   `json:"rsa-pss"`
}

// subnets is a split-tunneling list: a JSON array, or one string of
// space-separated entries.
type subnets []string

func (s *subnets) UnmarshalJSON(b []byte) error {
	var one string
	if json.Unmarshal(b, &one) == nil {
		*s = strings.Fields(one)
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("neither a string nor a list of strings")
	}
	*s = many
	return nil
}

type split struct {
	Subnets   subnets `json:"subnets"`
	Excluded  subnets `json:"excluded"`
	BlockIPv4 bool    `json:"block-ipv4"`
	BlockIPv6 bool    `json:"block-ipv6"`
}

type proxy struct {
	Host       string   `json:"host"`
	Port       int      `json:"port"`
	Exclusions []string `json:"exclusions"`
}

// maxFile bounds the size of a .sswan file (a PKCS#12 bundle and a CA
// certificate fit many times over).
const maxFile = 1 << 20

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// refuse returns the error for a .sswan key that is wrong or unsupported;
// Field is the .sswan key, dotted as in strongSwan's documentation.
func refuse(key, format string, args ...any) error {
	return api.FieldError(key, format, args...)
}

// Convert parses a .sswan file and returns the Espresso profile it
// describes. The result is not yet validated as a whole (the store does
// that); errors here are *api.Error values naming the .sswan key.
//
// The PKCS#12 password is not part of the format (the Android client asks
// for it at import); the caller sets P12Password if it has one.
func Convert(data []byte) (api.Profile, error) {
	var p api.Profile
	if len(data) > maxFile {
		return p, refuse("file", "larger than %d bytes", maxFile)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f file
	if err := dec.Decode(&f); err != nil {
		return p, refuse("file", "not a .sswan profile: %v", err)
	}
	if !uuidRE.MatchString(f.UUID) {
		return p, refuse("uuid", "missing or not an RFC 4122 UUID")
	}
	if err := convertType(&p, &f); err != nil {
		return p, err
	}
	if err := convertRemote(&p, f.Remote); err != nil {
		return p, err
	}
	if err := convertLocal(&p, f.Local); err != nil {
		return p, err
	}
	p.Name = profileName(f.Name, p.Gateway)
	if f.IKEProposal != "" {
		p.IKEProposals = splitList(f.IKEProposal)
	}
	if f.ESPProposal != "" {
		p.ESPProposals = splitList(f.ESPProposal)
	}
	for _, s := range strings.Fields(f.DNSServers) {
		if _, err := netip.ParseAddr(s); err != nil {
			return p, refuse("dns-servers", "%q is not an IP address", s)
		}
		p.DNS = append(p.DNS, s)
	}
	if f.MTU != nil {
		p.MTU = *f.MTU
	}
	if f.NATKeepalive != nil {
		if *f.NATKeepalive < 0 {
			return p, refuse("nat-keepalive", "negative")
		}
		p.NATKeepalive = strconv.Itoa(*f.NATKeepalive) + "s"
	}
	if err := convertSplit(&p, f.Split); err != nil {
		return p, err
	}
	if len(f.Apps) > 0 || len(f.ExcludedApps) > 0 {
		return p, refuse("apps", "per-application routing is an Android feature; Espresso routes by address (remote_ts, exclude)")
	}
	if f.Proxy != nil {
		return p, refuse("proxy", "HTTP proxy settings are not supported")
	}
	return p, nil
}

// convertType maps the profile type; the gateway always authenticates
// with a certificate in .sswan profiles.
func convertType(p *api.Profile, f *file) error {
	switch f.Type {
	case "ikev2-eap":
		// The Android client offers EAP-MSCHAPv2 and EAP-MD5 here;
		// Espresso speaks EAP-MSCHAPv2, which gateways configured for
		// this type offer.
		p.Auth = api.AuthEAPMSCHAPv2
	case "ikev2-cert":
		p.Auth = api.AuthCert
	case "ikev2-eap-tls":
		p.Auth = api.AuthEAPTLS
	case "ikev2-cert-eap":
		return refuse("type", "%q needs two authentication rounds (RFC 4739), which Espresso does not support", f.Type)
	case "ikev2-byod-eap":
		return refuse("type", "%q (EAP-TNC) is not supported", f.Type)
	case "":
		return refuse("type", "missing")
	default:
		return refuse("type", "%q is not a supported profile type (ikev2-eap, ikev2-cert, ikev2-eap-tls)", f.Type)
	}
	return nil
}

func convertRemote(p *api.Profile, r *remote) error {
	if r == nil || r.Addr == "" {
		return refuse("remote.addr", "missing")
	}
	host := strings.TrimSuffix(strings.TrimPrefix(r.Addr, "["), "]")
	p.Gateway = host
	if r.Port != nil {
		if *r.Port < 1 || *r.Port > 65535 {
			return refuse("remote.port", "%d is not a port number", *r.Port)
		}
		p.Gateway = net.JoinHostPort(host, strconv.Itoa(*r.Port))
	} else if strings.Contains(host, ":") {
		p.Gateway = host // a bare IPv6 address
	}
	p.RemoteID = r.ID
	if r.Cert != "" {
		der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(r.Cert), ""))
		if err != nil {
			return refuse("remote.cert", "not base64")
		}
		p.CA = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
	}
	if r.CertReq != nil && !*r.CertReq {
		return refuse("remote.certreq", "suppressing certificate requests is not supported; remove the key")
	}
	if r.Revocation != nil && r.Revocation.Strict {
		return refuse("remote.revocation.strict", "strict revocation checking is not supported")
	}
	return nil
}

func convertLocal(p *api.Profile, l *local) error {
	if l == nil {
		if p.Auth == api.AuthEAPMSCHAPv2 {
			return refuse("local.eap_id", "missing; required with type ikev2-eap")
		}
		return refuse("local.p12", "missing; required with a certificate profile")
	}
	if l.RSAPSS {
		return refuse("local.rsa-pss", "forcing RSASSA-PSS signatures is not supported")
	}
	p.LocalID = l.ID
	switch p.Auth {
	case api.AuthEAPMSCHAPv2:
		if l.EAPID == "" {
			return refuse("local.eap_id", "missing; required with type ikev2-eap")
		}
		if l.P12 != "" {
			return refuse("local.p12", "not used with type ikev2-eap")
		}
		p.Username = l.EAPID
	default:
		if l.EAPID != "" {
			return refuse("local.eap_id", "not used with a certificate profile")
		}
		if l.P12 == "" {
			return refuse("local.p12", "missing; required with a certificate profile")
		}
		p12 := strings.Join(strings.Fields(l.P12), "")
		if _, err := base64.StdEncoding.DecodeString(p12); err != nil {
			return refuse("local.p12", "not base64")
		}
		p.P12 = p12
	}
	return nil
}

// convertSplit maps split-tunneling. The Android client reads block-ipv4
// ("block IPv4 traffic not destined for the VPN") as: once the tunnel is
// up, route all of IPv4 into the VPN device, which drops what the tunnel
// does not carry, or, when the gateway assigned no IPv4 address, leave
// IPv4 no way out at all; block-ipv6 does the same for IPv6. With both,
// that is Espresso's block_outside. Espresso cannot block one family
// alone, so a single flag is refused rather than widened or dropped. With
// a block, the Android client routes the excluded subnets into the VPN as
// well, while block_outside lets exclude pass in the clear, so that
// combination is refused too.
func convertSplit(p *api.Profile, s *split) error {
	if s == nil {
		return nil
	}
	var err error
	if p.RemoteTS, err = toPrefixes("split-tunneling.subnets", s.Subnets); err != nil {
		return err
	}
	if p.Exclude, err = toPrefixes("split-tunneling.excluded", s.Excluded); err != nil {
		return err
	}
	switch {
	case s.BlockIPv4 && s.BlockIPv6:
		if len(p.Exclude) > 0 {
			return refuse("split-tunneling.excluded", "with block-ipv4 and block-ipv6 the Android client blocks the excluded subnets too, "+
				"where Espresso's block_outside would let them pass outside the tunnel; remove the excluded subnets or the blocks")
		}
		p.BlockOutside = true
		p.KillSwitch = true
	case s.BlockIPv4:
		return refuse("split-tunneling.block-ipv4", "blocking IPv4 alone outside the tunnel is not supported; "+
			"Espresso blocks IPv4 and IPv6 together (block_outside): set block-ipv6 too, or remove block-ipv4")
	case s.BlockIPv6:
		return refuse("split-tunneling.block-ipv6", "blocking IPv6 alone outside the tunnel is not supported; "+
			"Espresso blocks IPv4 and IPv6 together (block_outside): set block-ipv4 too, or remove block-ipv6")
	}
	return nil
}

// toPrefixes turns subnets, single addresses and address ranges ("a-b")
// into prefixes.
func toPrefixes(key string, in []string) ([]string, error) {
	var out []string
	for _, s := range in {
		s = strings.ReplaceAll(s, " ", "")
		if from, to, ok := strings.Cut(s, "-"); ok {
			a, err1 := netip.ParseAddr(from)
			b, err2 := netip.ParseAddr(to)
			if err1 != nil || err2 != nil || a.Is4() != b.Is4() || b.Less(a) {
				return nil, refuse(key, "%q is not an address range", s)
			}
			for _, p := range rangePrefixes(a, b) {
				out = append(out, p.String())
			}
			continue
		}
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()).String())
			continue
		}
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return nil, refuse(key, "%q is neither a subnet, an address nor a range", s)
		}
		out = append(out, p.Masked().String())
	}
	return out, nil
}

// rangePrefixes returns the shortest list of prefixes covering exactly the
// addresses a through b: at each step, the largest aligned block that
// starts at a and does not pass b.
func rangePrefixes(a, b netip.Addr) []netip.Prefix {
	var out []netip.Prefix
	for {
		bits := a.BitLen()
		for bits > 0 {
			p := netip.PrefixFrom(a, bits-1)
			if p.Masked().Addr() != a || lastAddr(p.Masked()).Compare(b) > 0 {
				break
			}
			bits--
		}
		p := netip.PrefixFrom(a, bits)
		out = append(out, p)
		last := lastAddr(p)
		if last.Compare(b) >= 0 {
			return out
		}
		a = last.Next()
	}
}

// lastAddr returns the highest address in p.
func lastAddr(p netip.Prefix) netip.Addr {
	s := p.Addr().AsSlice()
	for i := range s {
		keep := p.Bits() - 8*i
		switch {
		case keep >= 8:
		case keep <= 0:
			s[i] = 0xff
		default:
			s[i] |= 0xff >> keep
		}
	}
	a, _ := netip.AddrFromSlice(s)
	return a
}

// splitList splits a proposal list; strongSwan separates proposals with
// commas.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' })
}

var badNameChars = regexp.MustCompile(`[^A-Za-z0-9._-]+`)

// profileName derives a valid Espresso profile name from the display name
// (spaces and other characters become '-'), or from the gateway if that
// leaves nothing.
func profileName(display, gateway string) string {
	for _, s := range []string{display, gateway} {
		n := strings.Trim(badNameChars.ReplaceAllString(s, "-"), "-._")
		if len(n) > 64 {
			n = strings.TrimRight(n[:64], "-._")
		}
		if n != "" {
			return n
		}
	}
	return "imported"
}
