package session

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
	"github.com/espressovpn/espresso/ipsec/suite"
	"github.com/espressovpn/espresso/platform"
)

// DefaultFwMark marks the IKE and ESP sockets of an allow_peer_ts profile
// that names no fwmark, so the policy rule can let them past the tunnel.
const DefaultFwMark = 0xe5e5

// everything is the default remote traffic selector set: all of IPv4 and
// IPv6 go through the tunnel.
var everything = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}

// settings is a profile read into the types the session works with.
type settings struct {
	name     string
	host     string
	port     uint16
	params   Params // without Remote and LocalAddr, known after resolving
	remoteTS []netip.Prefix
	exclude  []netip.Prefix
	dns      []netip.Addr // the profile's own servers, which replace the gateway's
	mtu      int
	fwmark   uint32

	onDemand, rawESP, allowPeerTS, killSwitch bool
}

// readProfile checks p as the profile store does and converts it. Files
// that the profile names by path (certificate, key, PKCS#12, CA) are read
// now, so a file changed since the import takes effect at the next
// connect.
func readProfile(p api.Profile) (*settings, error) {
	tp, err := profile.Parse(&p)
	if err != nil {
		return nil, Permanent(err)
	}
	host, port := tp.Gateway.Host, tp.Gateway.Port
	s := &settings{
		name:        p.Name,
		host:        host,
		port:        port,
		mtu:         p.MTU,
		onDemand:    p.OnDemand,
		rawESP:      p.RawESP,
		allowPeerTS: p.AllowPeerTS,
		killSwitch:  p.KillSwitch,
	}
	if s.mtu == 0 {
		s.mtu = profile.DefaultMTU
	}
	if s.remoteTS, err = prefixes("remote_ts", p.RemoteTS); err != nil {
		return nil, err
	}
	if len(s.remoteTS) == 0 {
		s.remoteTS = slices.Clone(everything)
	}
	if s.exclude, err = prefixes("exclude", p.Exclude); err != nil {
		return nil, err
	}
	for _, d := range p.DNS {
		a, err := netip.ParseAddr(d)
		if err != nil {
			return nil, &ProfileError{Field: "dns", Reason: err.Error()}
		}
		s.dns = append(s.dns, a)
	}
	if p.FWMark != "" {
		if s.fwmark, err = profile.ParseFWMark(p.FWMark); err != nil {
			return nil, &ProfileError{Field: "fwmark", Reason: err.Error()}
		}
	}
	if s.allowPeerTS && s.fwmark == 0 {
		s.fwmark = DefaultFwMark
	}
	if err := s.readParams(&p, tp); err != nil {
		return nil, err
	}
	return s, nil
}

// readParams fills the initiator's parameters.
func (s *settings) readParams(p *api.Profile, tp *profile.Profile) error {
	pr := &s.params
	pr.LocalID, pr.RemoteID = p.LocalID, p.RemoteID
	if pr.RemoteID == "" {
		pr.RemoteID = s.host
	}
	pr.Auth = p.Auth
	switch p.Auth {
	case api.AuthPSK:
		pr.PSK = []byte(p.PSK)
	case api.AuthCert, api.AuthEAPTLS:
		c, err := credential(p)
		if err != nil {
			return err
		}
		pr.Cert, pr.Key = c.Chain, c.Key
		pr.Username = p.Username
	case api.AuthEAPMSCHAPv2:
		pr.Username, pr.Password = p.Username, p.Password
		if pr.Username == "" {
			pr.Username = p.LocalID
		}
		// Without a password, Dial decides whether the session can ask
		// for it (takePrompt).
	default:
		return &ProfileError{Field: "auth", Reason: "authentication " + p.Auth + " is not supported"}
	}
	if p.CA != "" {
		var err error
		if pr.CAs, err = creds.LoadCAs(p.CA); err != nil {
			return Permanent(fmt.Errorf("profile ca: %w", err))
		}
	}
	if p.Auth != api.AuthPSK && len(pr.CAs) == 0 {
		return &ProfileError{Field: "ca", Reason: "required to check the gateway's certificate"}
	}
	var err error
	if pr.IKEProposals, err = proposals("ike_proposals", p.IKEProposals, false); err != nil {
		return err
	}
	if pr.ESPProposals, err = proposals("esp_proposals", p.ESPProposals, true); err != nil {
		return err
	}
	pr.RemoteTS = s.remoteTS
	for _, ts := range s.remoteTS {
		pr.VirtualIPv4 = pr.VirtualIPv4 || ts.Addr().Is4()
		pr.VirtualIPv6 = pr.VirtualIPv6 || ts.Addr().Is6()
	}
	pr.RawESP = s.rawESP
	pr.DPD, pr.NATKeepalive = interval(tp.DPD), interval(tp.NATKeepalive)
	return nil
}

// credential loads the client's certificate chain and key: a PKCS#12 file
// (base64 or a path) when the profile has one, else the cert and key PEM
// (inline or paths). A file named by path is read now, so a file changed
// since the import takes effect at the next connect. Its errors are
// creds' typed ones, and permanent: the profile or the file must change.
func credential(p *api.Profile) (*creds.Credential, error) {
	if p.P12 != "" {
		c, err := creds.LoadPKCS12(p.P12, p.P12Password)
		if err != nil {
			return nil, Permanent(fmt.Errorf("profile p12: %w", err))
		}
		return c, nil
	}
	c, err := creds.LoadPEM(p.Cert, p.Key)
	if err != nil {
		return nil, Permanent(fmt.Errorf("profile cert and key: %w", err))
	}
	return c, nil
}

// interval maps the profile's setting onto the Params convention (0:
// default, negative: off).
func interval(i profile.Interval) time.Duration {
	switch i {
	case profile.IntervalDefault:
		return 0
	case profile.IntervalOff:
		return -1
	}
	return time.Duration(i)
}

func prefixes(field string, in []string) ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, v := range in {
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return nil, &ProfileError{Field: field, Reason: err.Error()}
		}
		out = append(out, p.Masked())
	}
	return out, nil
}

func proposals(field string, in []string, esp bool) ([]suite.Proposal, error) {
	var out []suite.Proposal
	for _, v := range in {
		p, err := suite.ParseProposal(v, esp)
		if err != nil {
			return nil, &ProfileError{Field: field, Reason: err.Error()}
		}
		out = append(out, p)
	}
	return out, nil
}

// platformConfig is the OS state of the session: with est nil the state
// before any IKE SA (an on-demand trap: routes without source address),
// otherwise the negotiated one.
func (s *settings) platformConfig(peer netip.Addr, hop platform.NextHop, est *Established) *platform.Config {
	c := &platform.Config{
		RemoteSelectors: s.remoteTS,
		Exclude:         s.exclude,
		Peer:            peer,
		PeerNextHop:     hop,
		AllowPeerTS:     s.allowPeerTS,
		MTU:             s.mtu,
		KillSwitch:      s.killSwitch,
	}
	if s.allowPeerTS {
		c.FwMark = s.fwmark
	}
	if est == nil {
		return c
	}
	if len(est.RemoteTS) > 0 {
		c.RemoteSelectors = est.RemoteTS
	}
	for _, v := range est.VirtualIPs {
		c.VirtualIPs = append(c.VirtualIPs, netip.PrefixFrom(v, v.BitLen()))
	}
	c.DNS.Servers = est.DNS
	if len(s.dns) > 0 {
		c.DNS.Servers = s.dns
	}
	return c
}
