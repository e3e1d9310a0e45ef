package profile

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"strings"
	"time"
	"unicode"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// parser holds the problems found while parsing one profile. Every rule
// of a profile is in this file and rules.go.
type parser struct {
	problems []*Problem
}

func (ps *parser) add(field string, index int, format string, args ...any) {
	ps.problems = append(ps.problems, &Problem{Field: field, Index: index, Reason: fmt.Sprintf(format, args...)})
}

func (ps *parser) missing(field, format string, args ...any) {
	ps.problems = append(ps.problems, &Problem{Field: field, Index: -1, Missing: true, Reason: fmt.Sprintf(format, args...)})
}

// parse checks p field by field, in the order the API reports the first
// problem, and fills the typed profile as far as the fields allow.
func (ps *parser) parse(p *api.Profile) *Profile {
	out := &Profile{
		Name:         p.Name,
		RemoteID:     p.RemoteID,
		LocalID:      p.LocalID,
		PSK:          NewSecret(p.PSK),
		P12Password:  NewSecret(p.P12Password),
		Username:     p.Username,
		Password:     NewSecret(p.Password),
		MTU:          p.MTU,
		OnDemand:     p.OnDemand,
		RawESP:       p.RawESP,
		AllowPeerTS:  p.AllowPeerTS,
		KillSwitch:   p.KillSwitch,
		BlockOutside: p.BlockOutside,
		AutoConnect:  p.AutoConnect,
		Owner:        p.Owner,
		Shared:       p.Shared,
	}
	switch {
	case p.Name == "":
		ps.missing(api.FieldName, "%s", nameRule)
	case !ValidName(p.Name):
		ps.add(api.FieldName, -1, "%s", nameRule)
	}
	ps.gateway(p.Gateway, out)
	ps.identity(api.FieldRemoteID, p.RemoteID)
	ps.identity(api.FieldLocalID, p.LocalID)
	ps.auth(p, out)
	out.IKEProposals = ps.proposals(api.FieldIKEProposals, p.IKEProposals, false)
	out.ESPProposals = ps.proposals(api.FieldESPProposals, p.ESPProposals, true)
	out.RemoteTS = ps.prefixes(api.FieldRemoteTS, p.RemoteTS)
	v6 := len(p.RemoteTS) == 0 // the default selectors include ::/0
	for _, pr := range out.RemoteTS {
		v6 = v6 || pr.Addr().Is6()
	}
	out.Exclude = ps.prefixes(api.FieldExclude, p.Exclude)
	ps.allowUngranted(p.AllowUngranted, out)
	for i, s := range p.DNS {
		a, err := netip.ParseAddr(s)
		if err != nil || a.Zone() != "" {
			ps.add(api.FieldDNS, i, "%q is not an IP address", s)
			continue
		}
		out.DNS = append(out.DNS, a)
	}
	out.DNSDomains = ps.dnsDomains(p.DNSDomains)
	ps.mtu(p.MTU, v6)
	if p.FWMark != "" {
		m, err := ParseFWMark(p.FWMark)
		if err != nil {
			ps.add(api.FieldFWMark, -1, "%v", err)
		}
		out.FWMark = m
	}
	out.DPD = ps.interval(api.FieldDPD, p.DPD)
	out.NATKeepalive = ps.interval(api.FieldNATKeepalive, p.NATKeepalive)
	out.Trusted = ps.trusted(p.TrustedNetworks)
	return out
}

// Address family names, as allow_ungranted lists them.
const (
	FamilyIPv4 = "ipv4"
	FamilyIPv6 = "ipv6"
)

// allowUngranted reads allow_ungranted: each entry "ipv4" or "ipv6",
// once.
func (ps *parser) allowUngranted(fams []string, out *Profile) {
	for i, f := range fams {
		var flag *bool
		switch f {
		case FamilyIPv4:
			flag = &out.AllowUngranted4
		case FamilyIPv6:
			flag = &out.AllowUngranted6
		default:
			ps.add(api.FieldAllowUngranted, i, "%q is not an address family: use %q or %q", f, FamilyIPv4, FamilyIPv6)
			continue
		}
		if *flag {
			ps.add(api.FieldAllowUngranted, i, "%q is listed twice", f)
		}
		*flag = true
	}
}

// nameRule is what a profile's name must be.
const nameRule = "use up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit"

func (ps *parser) gateway(gw string, out *Profile) {
	if gw == "" {
		ps.missing(api.FieldGateway, "%v", errMissing)
		return
	}
	host, port, err := SplitGateway(gw)
	if err != nil {
		ps.add(api.FieldGateway, -1, "%v", err)
		return
	}
	out.Gateway = Gateway{Host: host, Port: port}
	if a, err := netip.ParseAddr(host); err == nil {
		out.Gateway.Addr = a.Unmap()
	}
}

func (ps *parser) identity(field, id string) {
	if len(id) > maxIdentity {
		ps.add(field, -1, "longer than %d bytes", maxIdentity)
		return
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			ps.add(field, -1, "contains a control character")
			return
		}
	}
}

// auth checks the auth method and that the secrets and material it needs
// are there, and only those.
func (ps *parser) auth(p *api.Profile, out *Profile) {
	hasPSK := p.PSK != "" || p.HasPSK
	hasKey := p.Key != "" || p.HasKey || p.KeyFile != ""
	hasP12 := p.P12 != "" || p.HasP12 || p.P12File != ""
	hasCert := p.Cert != "" || p.CertFile != ""
	for a, name := range authNames {
		if name == p.Auth {
			out.Auth = a
		}
	}
	switch out.Auth {
	case AuthPSK:
		if !hasPSK {
			ps.missing(api.FieldPSK, "required with auth %q", p.Auth)
		}
	case AuthCert, AuthEAPTLS:
		switch {
		case hasP12:
		case !hasCert:
			ps.missing(api.FieldCert, "auth %q needs cert and key, or p12", p.Auth)
		case !hasKey:
			ps.missing(api.FieldKey, "auth %q needs cert and key, or p12", p.Auth)
		}
	case AuthEAPMSCHAPv2:
		if p.Username == "" && p.LocalID == "" {
			ps.missing(api.FieldUsername, "required with auth %q", p.Auth)
		}
	default:
		if p.Auth == "" {
			ps.missing(api.FieldAuth, "missing; one of psk, cert, eap-mschapv2, eap-tls")
		} else {
			ps.add(api.FieldAuth, -1, "%q is not one of psk, cert, eap-mschapv2, eap-tls", p.Auth)
		}
	}
	if out.Auth != AuthPSK && p.PSK != "" {
		ps.add(api.FieldPSK, -1, "not used with auth %q", p.Auth)
	}
	if out.Auth != AuthEAPMSCHAPv2 && p.Password != "" {
		ps.add(api.FieldPassword, -1, "not used with auth %q", p.Auth)
	}
	ps.identity(api.FieldUsername, p.Username)
	out.Cert = ps.source(api.FieldCert, p.Cert, api.FieldCertFile, p.CertFile, pemData(checkCerts))
	out.Key = ps.source(api.FieldKey, p.Key, api.FieldKeyFile, p.KeyFile, pemData(checkKey))
	out.CA = ps.source(api.FieldCA, p.CA, api.FieldCAFile, p.CAFile, pemData(checkCerts))
	out.P12 = ps.source(api.FieldP12, p.P12, api.FieldP12File, p.P12File, p12Data)
}

// source takes a credential from its inline field (checked and decoded
// by data) or from its file field, never both. The inline value is never
// taken for a file name, whatever it looks like; the file field must hold
// an absolute, clean path, which the helper reads when it connects.
func (ps *parser) source(field, v, fileField, path string, data func(string) ([]byte, error)) Source {
	switch {
	case v != "" && path != "":
		ps.add(fileField, -1, "give %s or %s, not both", field, fileField)
		return Source{}
	case path != "":
		if !filepath.IsAbs(path) || filepath.Clean(path) != path {
			ps.add(fileField, -1, "not an absolute path such as /etc/espresso/client.pem")
			return Source{}
		}
		return Source{Path: path}
	case v != "":
		d, err := data(v)
		if err != nil {
			ps.add(field, -1, "%v", err)
			return Source{}
		}
		return Source{Data: d}
	}
	return Source{}
}

// pemData accepts PEM text that check finds sound. Its error never
// quotes the value.
func pemData(check func([]byte) error) func(string) ([]byte, error) {
	return func(v string) ([]byte, error) {
		if !strings.Contains(v, pemMarker) {
			return nil, errors.New("not PEM text (a file's path goes in the _file key, from root only)")
		}
		if err := check([]byte(v)); err != nil {
			return nil, err
		}
		return []byte(v), nil
	}
}

// p12Data accepts a base64 PKCS#12 bundle, as .sswan files embed it.
func p12Data(v string) ([]byte, error) {
	d, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(v), ""))
	if err != nil || len(d) == 0 {
		return nil, errors.New("not base64 PKCS#12 data (a file's path goes in p12_file, from root only)")
	}
	return d, nil
}

func (ps *parser) proposals(field string, in []string, esp bool) []suite.Proposal {
	var out []suite.Proposal
	for i, s := range in {
		p, err := suite.ParseProposal(s, esp)
		if err != nil {
			ps.add(field, i, "%s", proposalReason(err))
			continue
		}
		out = append(out, p)
	}
	return out
}

// proposalReason says what is wrong in a proposal without repeating the
// proposal, which the field's index already points at.
func proposalReason(err error) string {
	var pe *suite.ProposalError
	switch {
	case !errors.As(err, &pe):
		return err.Error()
	case pe.Token != "":
		return fmt.Sprintf("%q: %s", pe.Token, pe.Reason)
	}
	return pe.Reason
}

// prefixes parses a list of prefixes. A prefix with host bits set is
// refused rather than masked: "10.1.2.3/16" is more often a typo for a
// host route than a wish for 10.1.0.0/16.
func (ps *parser) prefixes(field string, in []string) []netip.Prefix {
	var out []netip.Prefix
	for i, s := range in {
		p, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			ps.add(field, i, "%q is not a network such as 192.0.2.0/24", s)
		case p != p.Masked():
			ps.add(field, i, "%q has host bits set; did you mean %s?", s, p.Masked())
			ps.problems[len(ps.problems)-1].Suggest = p.Masked().String()
		default:
			out = append(out, p)
		}
	}
	return out
}

func (ps *parser) mtu(mtu int, v6 bool) {
	switch {
	case mtu == 0:
	case mtu < MinMTU || mtu > MaxMTU:
		ps.add(api.FieldMTU, -1, "%d is outside %d to %d", mtu, MinMTU, MaxMTU)
	case v6 && mtu < MinMTUIPv6:
		ps.add(api.FieldMTU, -1, "%d is below %d, the minimum when IPv6 goes through the tunnel", mtu, MinMTUIPv6)
	}
}

// interval parses a dpd or nat_keepalive duration: empty means the
// default, "0s" disables, otherwise 1s to MaxInterval.
func (ps *parser) interval(field, s string) Interval {
	if s == "" {
		return IntervalDefault
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		ps.add(field, -1, "%q is not a duration such as 30s", s)
		return IntervalDefault
	}
	if d != 0 && (d < time.Second || d > MaxInterval) {
		ps.add(field, -1, "%s is outside 1s..%s (0s disables)", d, MaxInterval)
		return IntervalDefault
	}
	return Interval(d)
}
