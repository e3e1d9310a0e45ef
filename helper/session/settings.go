package session

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/platform"
)

// DefaultFwMark marks the IKE and ESP sockets of an allow_peer_ts profile
// that names no fwmark, so the policy rule can let them past the tunnel.
const DefaultFwMark = 0xe5e5

// settings are the values of a parsed profile the session works with.
type settings struct {
	name string
	host string
	port uint16
	// gateway is the gateway's address when known before the dial (the
	// profile's own, or the attempt's look-up); the zero Addr when the
	// session resolves host.
	gateway netip.Addr
	// ike is the initiator's configuration without Remote, known after
	// resolving, and without the EAP-MSCHAPv2 peer, whose password may
	// come later (ikeConfig).
	ike ike.Config
	// auth is the profile's method; username and password are the
	// EAP-MSCHAPv2 credentials. The password, like ike.PSK, is the
	// session's own copy, wiped when the session ends (wipe).
	auth     profile.Auth
	username string
	password profile.Secret
	remoteTS []netip.Prefix
	exclude  []netip.Prefix
	dns      []netip.Addr // the profile's own servers, which replace the gateway's
	// dnsDomains are the profile's DNS domains, which add to the
	// gateway's.
	dnsDomains []string
	mtu        int
	fwmark     uint32

	onDemand, rawESP, allowPeerTS, killSwitch bool
	// allowUngranted4 and allowUngranted6 let what the gateway did not
	// grant of remoteTS go outside the tunnel (allow_ungranted).
	allowUngranted4, allowUngranted6 bool

	// lastVIPs are an on-demand profile's virtual IPs of its last IKE SA
	// (AddressBook), owned by the session's loop: the negotiation asks
	// for them again, and they are on the device while the trap waits,
	// so connections opened then already use them.
	lastVIPs []netip.Addr
	// kept are the lastVIPs the gateway did not assign again: they stay
	// on the device, after the assigned ones, while the IKE SA lasts, for
	// the flows that started from them and that the engine translates.
	kept []netip.Addr
}

// newSettings takes the attempt's profile, parsed once by the manager,
// and loads its own certificate and key, checked at now. Files the
// profile names by path (a certificate, key or PKCS#12 bundle, the CA)
// are read now, once per attempt, so a file changed since the import
// takes effect at the next connect.
func newSettings(a Attempt, now time.Time) (*settings, error) {
	p := a.Profile
	if p == nil {
		return nil, &ProfileError{Field: api.FieldName, Reason: "no profile to dial"}
	}
	s := &settings{
		name:        p.Name,
		host:        p.Gateway.Host,
		port:        p.Gateway.Port,
		gateway:     a.Gateway,
		remoteTS:    p.Selectors(),
		exclude:     p.Exclude,
		dns:         p.DNS,
		dnsDomains:  p.DNSDomains,
		mtu:         p.TunnelMTU(),
		fwmark:      p.FWMark,
		onDemand:    p.OnDemand,
		rawESP:      p.RawESP,
		allowPeerTS: p.AllowPeerTS,
		killSwitch:  p.KillSwitch,

		allowUngranted4: p.AllowUngranted4,
		allowUngranted6: p.AllowUngranted6,
	}
	if !s.gateway.IsValid() {
		s.gateway = p.Gateway.Addr
	}
	if s.allowPeerTS && s.fwmark == 0 {
		s.fwmark = DefaultFwMark
	}
	if err := s.readIKE(p, now); err != nil {
		return nil, err
	}
	return s, nil
}

// readIKE fills the initiator's configuration, with the client's
// credential loaded and checked at now.
func (s *settings) readIKE(p *profile.Profile, now time.Time) error {
	c := &s.ike
	s.auth = p.Auth
	localID := p.LocalID
	switch p.Auth {
	case profile.AuthPSK:
		c.LocalAuth, c.RemoteAuth = ike.AuthPSK, ike.AuthPSK
		c.PSK = p.PSK.Clone()
	case profile.AuthCert, profile.AuthEAPTLS:
		cred, err := loadCredential(p, now)
		if err != nil {
			return err
		}
		c.Cert, c.Key = cred.Chain, cred.Key
		c.LocalAuth, c.RemoteAuth = ike.AuthCert, ike.AuthCert
		if p.Auth == profile.AuthEAPTLS {
			// The gateway proves itself with a certificate first (RFC
			// 7296 §2.16); the EAP method's MSK then keys our AUTH.
			c.LocalAuth = ike.AuthEAP
		}
	case profile.AuthEAPMSCHAPv2:
		c.LocalAuth, c.RemoteAuth = ike.AuthEAP, ike.AuthCert
		s.username, s.password = p.EAPIdentity(), p.Password.Clone()
		// Without a password, Dial decides whether the session can ask
		// for it (takePrompt).
	default:
		return &ProfileError{Field: api.FieldAuth, Reason: "authentication " + p.Auth.String() + " is not supported"}
	}
	if localID == "" && p.Auth != profile.AuthPSK {
		localID = p.Username
	}
	var err error
	if localID != "" {
		if c.LocalID, err = ike.ParseIdentity(localID); err != nil {
			return &ProfileError{Field: api.FieldLocalID, Reason: err.Error()}
		}
	}
	if c.RemoteID, err = ike.ParseIdentity(p.RemoteIdentity()); err != nil {
		return &ProfileError{Field: api.FieldRemoteID, Reason: err.Error()}
	}
	if c.CAs, err = p.CAs(); err != nil {
		return Permanent(fmt.Errorf("profile ca: %w", err))
	}
	if p.Auth != profile.AuthPSK && len(c.CAs) == 0 {
		return &ProfileError{Field: api.FieldCA, Reason: "required to check the gateway's certificate"}
	}
	if p.Auth == profile.AuthEAPTLS {
		c.EAP = tlsPeer(c, p.Username, localID)
	}
	c.IKEProposals, c.ESPProposals = p.IKEProposals, p.ESPProposals
	c.RemoteTS = s.remoteTS
	for _, ts := range s.remoteTS {
		c.VirtualIPv4 = c.VirtualIPv4 || ts.Addr().Is4()
		c.VirtualIPv6 = c.VirtualIPv6 || ts.Addr().Is6()
	}
	c.RawESP = s.rawESP
	c.DPDDelay, c.NATKeepalive = interval(p.DPD), interval(p.NATKeepalive)
	return nil
}

// setPassword replaces the EAP password with pw, which the settings own
// from now on, wiping the one before.
func (s *settings) setPassword(pw profile.Secret) {
	s.password.Wipe()
	s.password = pw
}

// wipe overwrites the secrets of the settings (the PSK, the EAP
// password) once the session has stopped every negotiation that used
// them.
func (s *settings) wipe() {
	profile.Secret(s.ike.PSK).Wipe()
	s.password.Wipe()
}

// ikeConfig is the initiator's configuration for a negotiation with the
// gateway at remote, with the password known now.
func (s *settings) ikeConfig(remote netip.AddrPort) ike.Config {
	c := s.ike
	c.Remote = remote
	if s.onDemand {
		c.RequestVirtualIPs = s.lastVIPs
	}
	if s.auth == profile.AuthEAPMSCHAPv2 {
		c.EAP = mschapv2Peer(s.username, s.password)
	}
	return c
}

// setLastVIPs takes the virtual IPs of the profile's last IKE SA: those
// a negotiation may ask for (requestable) and the device may hold (no
// IPv6 address on a device below IPv6's minimum MTU, which
// platform.Config.Validate refuses).
func (s *settings) setLastVIPs(vips []netip.Addr) {
	s.lastVIPs = requestable(vips, s.ike.VirtualIPv4, s.ike.VirtualIPv6)
	if s.mtu != 0 && s.mtu < 1280 {
		s.lastVIPs = slices.DeleteFunc(s.lastVIPs, netip.Addr.Is6)
	}
}

// interval maps the profile's setting onto ike.Config's convention (0:
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

// platformConfig is the OS state of the session: with est nil the state
// before any IKE SA (an on-demand trap: routes with the remembered virtual
// IPs as source, or without source address), otherwise the negotiated
// one.
func (s *settings) platformConfig(peer netip.Addr, hop platform.NextHop, est *ike.Established) *platform.Config {
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
		for _, v := range s.lastVIPs {
			c.VirtualIPs = append(c.VirtualIPs, netip.PrefixFrom(v, v.BitLen()))
		}
		return c
	}
	if len(est.Child.RemoteTS) > 0 {
		c.RemoteSelectors = est.Child.RemoteTS
		c.Blocked = s.ungranted(peer, est.Child.RemoteTS)
	}
	// The assigned addresses come first: the routes take the first of
	// each family as their source.
	for _, v := range slices.Concat(est.VirtualIPs, s.kept) {
		c.VirtualIPs = append(c.VirtualIPs, netip.PrefixFrom(v, v.BitLen()))
	}
	c.DNS.Servers = est.DNS
	if len(s.dns) > 0 {
		c.DNS.Servers = s.dns
	}
	// The domains route look-ups to the servers above; without servers
	// they would send those names nowhere.
	if len(c.DNS.Servers) > 0 {
		c.DNS.Domains = dnsDomains(est.DNSDomains, s.dnsDomains)
	}
	return c
}

// networks are what the profile asks to route, before the gateway
// narrows them.
func (s *settings) networks() platform.Networks {
	return platform.Networks{Routed: s.remoteTS, Exclude: s.exclude}
}

// ungranted returns the prefixes of the profile's remote_ts that no
// granted selector covers, except in a family allow_ungranted lets
// through and except the gateway's own address: those the platform
// refuses (platform.Config.Blocked), so a full-tunnel profile whose
// gateway grants IPv4 only does not send IPv6 in the clear. A wanted
// prefix that a granted one only partly covers is blocked whole; the
// granted, more specific routes still carry their part.
func (s *settings) ungranted(peer netip.Addr, granted []netip.Prefix) []netip.Prefix {
	var out []netip.Prefix
	for _, w := range s.remoteTS {
		if (w.Addr().Is4() && s.allowUngranted4) || (w.Addr().Is6() && s.allowUngranted6) {
			continue
		}
		if w.IsSingleIP() && w.Addr() == peer.Unmap() {
			continue
		}
		covered := false
		for _, g := range granted {
			if g.Bits() <= w.Bits() && g.Contains(w.Addr()) {
				covered = true
				break
			}
		}
		if !covered {
			out = append(out, w)
		}
	}
	return out
}

// dnsDomains are the gateway's DNS domains followed by the profile's
// (dns_domains adds to them), each once. Both are already lower case
// without a trailing dot (ike.Established.DNSDomains, profile.Profile).
func dnsDomains(gateway, profile []string) []string {
	var out []string
	for _, d := range slices.Concat(gateway, profile) {
		if !slices.Contains(out, d) {
			out = append(out, d)
		}
	}
	return out
}
