package profile

import (
	"net/netip"
	"slices"
	"strconv"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// Profile is an api.Profile parsed once by Parse: every rule checked,
// every value in the type the helper works with. The helper's connection
// manager, its kill switch, the session and the platform configuration
// all read this value; none parses the JSON strings again.
type Profile struct {
	Name    string
	Gateway Gateway
	// RemoteID is the identity the gateway must prove; empty means the
	// gateway's host (RemoteIdentity).
	RemoteID string
	LocalID  string
	Auth     Auth

	// PSK, P12Password and Password are the profile's secrets, and
	// Key.Data and P12.Data when the key is inline: Wipe overwrites them
	// all.
	PSK Secret
	// Cert, Key, CA and P12 are where the credentials come from; zero
	// when the profile has none.
	Cert, Key, CA, P12 Source
	P12Password        Secret
	Username           string
	Password           Secret

	// IKEProposals and ESPProposals are empty for the helper's defaults.
	IKEProposals, ESPProposals []suite.Proposal
	// RemoteTS are the prefixes through the tunnel as the profile gives
	// them, masked; empty means everything (Selectors).
	RemoteTS []netip.Prefix
	Exclude  []netip.Prefix
	DNS      []netip.Addr
	// DNSDomains add to the gateway's DNS domains; lower case, without
	// a trailing dot.
	DNSDomains []string
	// AllowUngranted4 and AllowUngranted6 let the part of RemoteTS the
	// gateway did not grant, per family, go outside the tunnel instead
	// of being blocked (allow_ungranted).
	AllowUngranted4, AllowUngranted6 bool
	// MTU is 0 for DefaultMTU (TunnelMTU).
	MTU int
	// FWMark is 0 when the profile names no mark.
	FWMark uint32
	// Owner is the uid of the user the profile belongs to (0: root);
	// Shared lets every member connect it.
	Owner  uint32
	Shared bool

	OnDemand, RawESP, AllowPeerTS, KillSwitch, BlockOutside bool
	DPD, NATKeepalive                                       Interval

	// AutoConnect makes the connection always-on (auto_connect).
	AutoConnect bool
	// Trusted are the networks on which an always-on connection stays
	// down (trusted_networks).
	Trusted []TrustedNetwork
}

// Wipe overwrites the secrets p holds (PSK, passwords, inline private
// key and PKCS#12 data) once its owner is done with it: a connection that
// ended, a profile that was edited or removed. Copies of p made with
// *p share these arrays and see the zeros too.
func (p *Profile) Wipe() {
	p.PSK.Wipe()
	p.P12Password.Wipe()
	p.Password.Wipe()
	clear(p.Key.Data)
	clear(p.Cert.Data) // which may hold the key too
	clear(p.P12.Data)
}

// Gateway is where the IKE SA goes: a host name or an address, and a
// port.
type Gateway struct {
	// Host is the name or the address as written, without port or
	// brackets.
	Host string
	// Addr is the address when Host is one (unmapped), the zero Addr for
	// a name, which is resolved at connect time.
	Addr netip.Addr
	Port uint16
}

// String returns the gateway as a profile writes it: the host, with the
// port when it is not the default one.
func (g Gateway) String() string {
	if g.Port == DefaultPort {
		return g.Host
	}
	if g.Addr.Is6() {
		return netip.AddrPortFrom(g.Addr, g.Port).String()
	}
	return g.Host + ":" + strconv.Itoa(int(g.Port))
}

// Auth is how the client authenticates.
type Auth int

// Authentication methods, one per api.Auth* value.
const (
	AuthPSK Auth = iota + 1
	AuthCert
	AuthEAPMSCHAPv2
	AuthEAPTLS
)

var authNames = map[Auth]string{
	AuthPSK:         api.AuthPSK,
	AuthCert:        api.AuthCert,
	AuthEAPMSCHAPv2: api.AuthEAPMSCHAPv2,
	AuthEAPTLS:      api.AuthEAPTLS,
}

// String returns the method's name in a profile (api.AuthPSK...).
func (a Auth) String() string { return authNames[a] }

// UsesCert reports whether the client proves itself with a certificate.
func (a Auth) UsesCert() bool { return a == AuthCert || a == AuthEAPTLS }

// UsesPassword reports whether the client signs in with a password.
func (a Auth) UsesPassword() bool { return a == AuthEAPMSCHAPv2 }

// Source is where a certificate, a key, CA certificates or a PKCS#12
// bundle come from: data held in the profile, or a file the helper reads
// at every connect, so that a renewed file takes effect at the next one.
// The two come from different keys (cert and cert_file...): a value is
// never taken for a file name.
type Source struct {
	// Data is the inline content: PEM text, or the PKCS#12 bundle
	// decoded from base64.
	Data []byte
	// Path is the absolute path of the file.
	Path string
}

// IsZero reports whether there is no source.
func (s Source) IsZero() bool { return len(s.Data) == 0 && s.Path == "" }

// IsFile reports whether the content is read from a file.
func (s Source) IsFile() bool { return s.Path != "" }

// Read returns the content: the inline data, or the file's, read now
// with readFile's checks (no symbolic link, a regular file, at most
// MaxFileSize bytes).
func (s Source) Read() ([]byte, error) {
	if s.Path == "" {
		return s.Data, nil
	}
	return readFile(s.Path)
}

// Interval is a dpd or nat_keepalive setting: IntervalDefault,
// IntervalOff, or a duration from 1s to MaxInterval.
type Interval time.Duration

// The two intervals that are not durations.
const (
	// IntervalDefault is an empty setting: the helper's default.
	IntervalDefault Interval = -1
	// IntervalOff is "0s": the mechanism is turned off.
	IntervalOff Interval = 0
)

// String returns the setting as a profile writes it ("" for the default).
func (i Interval) String() string {
	if i == IntervalDefault {
		return ""
	}
	return time.Duration(i).String()
}

// everything is the remote traffic selector set of a profile that names
// none: all of IPv4 and IPv6 go through the tunnel.
var everything = []netip.Prefix{netip.MustParsePrefix("0.0.0.0/0"), netip.MustParsePrefix("::/0")}

// Selectors returns the prefixes routed through the tunnel: RemoteTS, or
// all of IPv4 and IPv6 when it is empty. The caller may keep the slice.
func (p *Profile) Selectors() []netip.Prefix {
	if len(p.RemoteTS) == 0 {
		return slices.Clone(everything)
	}
	return slices.Clone(p.RemoteTS)
}

// TunnelMTU returns the MTU of the tunnel device: MTU or DefaultMTU.
func (p *Profile) TunnelMTU() int {
	if p.MTU == 0 {
		return DefaultMTU
	}
	return p.MTU
}

// RemoteIdentity returns the identity the gateway must prove: RemoteID,
// or the gateway's host.
func (p *Profile) RemoteIdentity() string {
	if p.RemoteID != "" {
		return p.RemoteID
	}
	return p.Gateway.Host
}

// EAPIdentity returns the user name EAP-MSCHAPv2 signs in with: Username,
// or else LocalID.
func (p *Profile) EAPIdentity() string {
	if p.Username != "" {
		return p.Username
	}
	return p.LocalID
}

// Guarded reports whether the profile asks for a kill switch:
// block_outside implies it.
func (p *Profile) Guarded() bool { return p.KillSwitch || p.BlockOutside }
