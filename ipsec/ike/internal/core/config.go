package core

import (
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"slices"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// AuthMethod is how one side authenticates.
type AuthMethod int

// Authentication methods.
const (
	// AuthPSK is a pre-shared key (RFC 7296 §2.15).
	AuthPSK AuthMethod = iota
	// AuthCert is a certificate and its private key: RSA (PKCS#1 v1.5 or
	// PSS), ECDSA or Ed25519, signed as RFC 7427 describes when the peer
	// supports it.
	AuthCert
	// AuthEAP is EAP inside IKE_AUTH (RFC 7296 §2.16), the initiator's
	// method only: the initiator runs Config.EAP, the responder
	// Config.EAPAuthenticator, and the method's MSK keys both closing AUTH
	// payloads. The responder authenticates first, normally with AuthCert.
	AuthEAP
)

// String names the method as profiles do.
func (m AuthMethod) String() string {
	switch m {
	case AuthCert:
		return "cert"
	case AuthEAP:
		return "eap"
	}
	return "psk"
}

// Retransmit configures the retransmission of requests (RFC 7296 §2.1):
// try n is sent Timeout·Base^(n-1) after the previous one, and after Tries
// retransmissions the peer gets one more such interval before it is given up.
// The defaults are strongSwan's: 4 s, 1.8, 5 tries.
type Retransmit struct {
	Timeout time.Duration
	Base    float64
	Tries   int
}

// Defaults of Config.
const (
	DefaultRetransmitTimeout = 4 * time.Second
	DefaultRetransmitBase    = 1.8
	DefaultRetransmitTries   = 5
	DefaultDPDDelay          = 30 * time.Second
	// DefaultDPDTimeout is how long a liveness check may go unanswered.
	// The full retransmission series above lasts about 165 s, far longer
	// than a user waits for a dead tunnel to come back; strongSwan's own
	// clients give up on a liveness check much sooner.
	DefaultDPDTimeout = 30 * time.Second
	// DefaultSetupTimeout bounds each unanswered request that sets up an
	// IKE SA, for the same reason: a user waiting for a connection is
	// told that nothing answers long before the 165 s of the full series.
	// It is half the helper's wait for a connection, so that IKE_SA_INIT
	// and IKE_AUTH both fit in it.
	DefaultSetupTimeout   = 30 * time.Second
	DefaultNATKeepalive   = 20 * time.Second
	DefaultIKERekeyTime   = 4 * time.Hour
	DefaultChildRekeyTime = time.Hour
	// DefaultDeleteRekeyedDelay is strongSwan's charon.delete_rekeyed_delay.
	DefaultDeleteRekeyedDelay = 5 * time.Second
	// DefaultFragmentSize is the largest IKE datagram sent unfragmented
	// once fragmentation is negotiated, strongSwan's default; RFC 7383 §2.5.1
	// suggests sizes that fit the path MTU.
	DefaultFragmentSize = 1280
	// DefaultIKEPort and DefaultNATTPort are the IKE ports (RFC 7296 §2,
	// RFC 3948 §2.2).
	DefaultIKEPort  = 500
	DefaultNATTPort = 4500
)

// Config describes one connection: who we are, whom we talk to, what we
// offer and ask for. The zero value of every duration means its default; a
// negative one disables the feature.
type Config struct {
	// responder is set by the responder's constructor: the Conn waits
	// for the peer's IKE_SA_INIT instead of starting one.
	responder bool
	// Remote is the peer's address and IKE port (port 0 means 500).
	Remote netip.AddrPort

	// LocalID is the identity we send; the zero Identity means the subject
	// of Cert, or our address with AuthPSK.
	LocalID wire.Identity
	// RemoteID is the identity the peer must prove. The zero Identity
	// accepts any identity the peer authenticates (a responder's default);
	// an initiator should always set it.
	RemoteID wire.Identity

	// LocalAuth and RemoteAuth are how we and the peer authenticate.
	LocalAuth, RemoteAuth AuthMethod
	// PSK is the pre-shared key of AuthPSK, either side.
	PSK []byte
	// Cert is our certificate chain, leaf first, and Key its private key.
	Cert []*x509.Certificate
	Key  crypto.Signer
	// CAs are the trust anchors of the peer's certificate.
	CAs []*x509.Certificate
	// RSAPSS signs with RSASSA-PSS instead of PKCS#1 v1.5 when our key is
	// RSA and the peer supports RFC 7427 signatures.
	RSAPSS bool
	// SendCertReq sends a CERTREQ for CAs (RFC 7296 §3.7); on by default
	// through Validate whenever CAs is set.
	SendCertReq bool
	// EAP returns the EAP peer of one IKE_AUTH when LocalAuth is AuthEAP,
	// set up with its methods and credentials (eap.NewPeer with
	// mschapv2.NewPeer or eaptls.NewPeer). It is called once per
	// connection attempt; the Conn closes the Peer when IKE_AUTH ends.
	EAP func() *eap.Peer
	// EAPAuthenticator returns the authenticator of one IKE_AUTH when a
	// responder's RemoteAuth is AuthEAP (eap.NewAuthenticator with an
	// authenticator method), for in-process tests and host-to-host use.
	EAPAuthenticator func() *eap.Authenticator

	// IKEProposals and ESPProposals are offered (initiator) or accepted
	// (responder), in order of preference; nil means suite.DefaultIKE and
	// suite.DefaultESP. A key exchange method in an ESP proposal asks for
	// PFS in CREATE_CHILD_SA, optional when NONE (suite.KENone) is in the
	// list too; IKE_AUTH never carries one (RFC 7296 §1.2).
	IKEProposals, ESPProposals []suite.Proposal

	// LocalTS and RemoteTS are our and the peer's side of the traffic. An
	// initiator proposes them, with LocalTS defaulting to everything of
	// each family it asks a virtual address of (the gateway narrows it to
	// the address, RFC 7296 §2.9); a responder narrows the peer's
	// proposal to them.
	LocalTS, RemoteTS []netip.Prefix

	// VirtualIPv4 and VirtualIPv6 ask the gateway for virtual addresses
	// with a CFG_REQUEST (RFC 7296 §2.19); DNS servers are asked along.
	VirtualIPv4, VirtualIPv6 bool
	// RequestVirtualIPs are the addresses an initiator asks for by value
	// in the CFG_REQUEST of its first IKE_AUTH (RFC 7296 §3.15.1 allows
	// a requested address): those it had last time, which may already be
	// on its device. The gateway may assign them or others. At most one
	// of each family asked for (VirtualIPv4, VirtualIPv6).
	RequestVirtualIPs []netip.Addr
	// Pool4, Pool6 and DNS are what a responder hands out.
	Pool4, Pool6 netip.Prefix
	DNS          []netip.Addr
	// DNSDomains are the INTERNAL_DNS_DOMAIN values (RFC 8598) a
	// responder sends when asked, as they are.
	DNSDomains []string
	// RequireCookie makes a responder demand a COOKIE before it keeps any
	// state for an IKE_SA_INIT (RFC 7296 §2.6).
	RequireCookie bool

	// RawESP turns off forced UDP encapsulation: ESP then goes in UDP only
	// when a NAT is detected. By default encapsulation is forced, as the
	// reference backend does, by sending a NAT detection hash that cannot
	// match (RFC 7296 §2.23 lets either side claim a NAT).
	RawESP bool

	// DisableMOBIKE leaves MOBIKE (RFC 4555) out: it is announced in
	// IKE_AUTH by default, as strongSwan does, and used when the peer
	// announces it too.
	DisableMOBIKE bool

	// FragmentSize is the largest IKE datagram we send once fragmentation
	// is negotiated (RFC 7383); 0 means DefaultFragmentSize, negative
	// turns fragmentation off.
	FragmentSize int

	Retransmit Retransmit
	// DPDDelay is how long the peer may stay silent before a liveness
	// check (RFC 7296 §1.4); 0 means DefaultDPDDelay, negative none.
	DPDDelay time.Duration
	// DPDTimeout is how long a liveness check may go unanswered before
	// the peer is given up with ErrPeerUnreachable (RFC 7296 §2.4 leaves
	// the choice to the implementation): the check is retransmitted on the
	// Retransmit back-off, the last wait cut short at the limit. A request
	// of another exchange that is in flight when a check falls due serves
	// as the check and gets the same limit. 0 means DefaultDPDTimeout;
	// negative leaves checks the whole Retransmit series.
	DPDTimeout time.Duration
	// SetupTimeout is how long each request that sets up an IKE SA
	// (IKE_SA_INIT, IKE_AUTH, also of a reauthentication) may go
	// unanswered before the peer is given up with ErrPeerUnreachable: it
	// is retransmitted on the Retransmit back-off, the last wait cut short
	// at the limit. 0 means DefaultSetupTimeout; negative leaves these
	// requests the whole Retransmit series.
	SetupTimeout time.Duration
	// NATKeepalive is the interval of NAT keepalives (RFC 3948 §2.3) while
	// we are behind a NAT.
	NATKeepalive time.Duration
	// IKERekeyTime and ChildRekeyTime are when we rekey our SAs; each gets
	// up to RekeyJitter subtracted at random so both ends do not collide.
	IKERekeyTime, ChildRekeyTime time.Duration
	// RekeyJitter defaults to a tenth of the rekey time.
	RekeyJitter time.Duration
	// DeleteRekeyedDelay is how long the inbound direction of a Child SA
	// replaced by a rekey stays in the data path after its delete, for
	// the peer's packets sealed before it switched that are still on their
	// way (retire.go); negative removes it with the delete.
	DeleteRekeyedDelay time.Duration
	// ReauthTime is when an initiator reauthenticates: a new IKE SA from
	// scratch replaces the current one (RFC 7296 §2.8.3), make-before-break;
	// 0 means only when the peer's AUTH_LIFETIME (RFC 4478) asks.
	ReauthTime time.Duration
	// AuthLifetime is what a responder announces in AUTH_LIFETIME (RFC
	// 4478): the time after which the initiator must reauthenticate; 0
	// announces nothing.
	AuthLifetime time.Duration
}

// withDefaults returns the configuration with every default applied.
func (c Config) withDefaults() Config {
	if c.Retransmit.Timeout == 0 {
		c.Retransmit.Timeout = DefaultRetransmitTimeout
	}
	if c.Retransmit.Base == 0 {
		c.Retransmit.Base = DefaultRetransmitBase
	}
	if c.Retransmit.Tries == 0 {
		c.Retransmit.Tries = DefaultRetransmitTries
	}
	if c.Remote.Port() == 0 {
		c.Remote = netip.AddrPortFrom(c.Remote.Addr(), DefaultIKEPort)
	}
	c.Remote = netip.AddrPortFrom(c.Remote.Addr().Unmap(), c.Remote.Port())
	defaultDur(&c.DPDDelay, DefaultDPDDelay)
	defaultDur(&c.DPDTimeout, DefaultDPDTimeout)
	defaultDur(&c.SetupTimeout, DefaultSetupTimeout)
	defaultDur(&c.NATKeepalive, DefaultNATKeepalive)
	defaultDur(&c.IKERekeyTime, DefaultIKERekeyTime)
	defaultDur(&c.ChildRekeyTime, DefaultChildRekeyTime)
	defaultDur(&c.DeleteRekeyedDelay, DefaultDeleteRekeyedDelay)
	if c.FragmentSize == 0 {
		c.FragmentSize = DefaultFragmentSize
	}
	if c.IKEProposals == nil {
		c.IKEProposals = suite.DefaultIKE()
	}
	if c.ESPProposals == nil {
		c.ESPProposals = suite.DefaultESP()
	}
	if len(c.CAs) > 0 && c.RemoteAuth == AuthCert {
		c.SendCertReq = true
	}
	if !c.responder && len(c.LocalTS) == 0 {
		if c.VirtualIPv4 || !c.VirtualIPv6 {
			c.LocalTS = append(c.LocalTS, netip.MustParsePrefix("0.0.0.0/0"))
		}
		if c.VirtualIPv6 {
			c.LocalTS = append(c.LocalTS, netip.MustParsePrefix("::/0"))
		}
	}
	if len(c.RemoteTS) == 0 {
		c.RemoteTS = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}
	}
	return c
}

func defaultDur(d *time.Duration, def time.Duration) {
	if *d == 0 {
		*d = def
	}
}

// Validate reports the first field that cannot work.
func (c *Config) Validate() error {
	if !c.responder && !c.Remote.Addr().IsValid() {
		return errors.New("ike config: initiator without a remote address")
	}
	for _, side := range []struct {
		name string
		m    AuthMethod
	}{{"local", c.LocalAuth}, {"remote", c.RemoteAuth}} {
		switch side.m {
		case AuthPSK:
			if len(c.PSK) == 0 {
				return fmt.Errorf("ike config: %s auth psk without a pre-shared key", side.name)
			}
		case AuthCert:
		case AuthEAP:
			if side.name == "local" && (c.responder || c.EAP == nil) {
				return errors.New("ike config: local auth eap needs an initiator and an EAP peer")
			}
			if side.name == "remote" && (!c.responder || c.EAPAuthenticator == nil) {
				return errors.New("ike config: remote auth eap needs a responder and an EAP authenticator")
			}
		default:
			return fmt.Errorf("ike config: unknown %s auth method %d", side.name, side.m)
		}
	}
	if err := c.validateRequested(); err != nil {
		return err
	}
	if c.LocalAuth == AuthCert && (len(c.Cert) == 0 || c.Key == nil) {
		return errors.New("ike config: certificate authentication needs a certificate and its key")
	}
	if c.RemoteAuth == AuthCert && len(c.CAs) == 0 {
		return errors.New("ike config: the peer's certificate needs a CA to check it")
	}
	if c.Retransmit.Base < 0 || c.Retransmit.Base > 10 || c.Retransmit.Tries < 0 || c.Retransmit.Tries > 30 {
		return errors.New("ike config: retransmit base must be within 0..10 and tries within 0..30")
	}
	if c.responder && c.Pool4.IsValid() && !c.Pool4.Addr().Is4() {
		return errors.New("ike config: Pool4 is not IPv4")
	}
	if c.responder && c.Pool6.IsValid() && !c.Pool6.Addr().Is6() {
		return errors.New("ike config: Pool6 is not IPv6")
	}
	for _, p := range c.IKEProposals {
		if len(p.Of(suite.TypeKE)) == 0 || len(p.Of(suite.TypePRF)) == 0 || len(p.Of(suite.TypeEncr)) == 0 {
			return fmt.Errorf("ike config: IKE proposal %v incomplete", p)
		}
		if slices.Contains(p.Of(suite.TypeKE), keNone) {
			// The IKE SA always needs a key exchange (RFC 7296 §1.2).
			return fmt.Errorf("ike config: IKE proposal %v offers no key exchange (NONE)", p)
		}
	}
	for _, p := range c.ESPProposals {
		if len(p.Of(suite.TypeEncr)) == 0 || len(p.Of(suite.TypeESN)) == 0 {
			return fmt.Errorf("ike config: ESP proposal %v incomplete", p)
		}
	}
	return nil
}

// retransmitDelay returns the wait after transmission n (0 for the first).
func (r Retransmit) Delay(n int) time.Duration {
	d := float64(r.Timeout) * math.Pow(r.Base, float64(n))
	if d > float64(time.Hour) {
		return time.Hour
	}
	return time.Duration(d)
}

// validateRequested checks RequestVirtualIPs: unicast addresses, one per
// family at most, each of a family a virtual address is asked for.
func (c *Config) validateRequested() error {
	var v4, v6 bool
	for _, a := range c.RequestVirtualIPs {
		if reason := unicastReason(a); reason != "" {
			return fmt.Errorf("ike config: requested virtual IP %s is %s", a, reason)
		}
		seen, asked := &v6, c.VirtualIPv6
		if a.Is4() {
			seen, asked = &v4, c.VirtualIPv4
		}
		if !asked {
			return fmt.Errorf("ike config: requested virtual IP %s of a family no virtual IP is asked for", a)
		}
		if *seen {
			return fmt.Errorf("ike config: more than one requested virtual IP of the family of %s", a)
		}
		*seen = true
	}
	return nil
}
