package api

// Authentication methods a profile can use (Profile.Auth).
const (
	// AuthPSK authenticates both sides with a pre-shared key (RFC 7296
	// §2.15).
	AuthPSK = "psk"
	// AuthCert authenticates the client with a certificate and private key.
	AuthCert = "cert"
	// AuthEAPMSCHAPv2 authenticates the client with a username and password
	// over EAP-MSCHAPv2 (RFC 7296 §2.16); the gateway uses a certificate.
	AuthEAPMSCHAPv2 = "eap-mschapv2"
	// AuthEAPTLS authenticates the client with a certificate inside EAP-TLS
	// (RFC 5216).
	AuthEAPTLS = "eap-tls"
)

// Profile is one VPN connection's configuration, in the JSON format of
// DESIGN.md. The same type is sent to the helper and read back from it.
//
// Secret fields (PSK, Key, P12, P12Password, Password) are write-only: the
// helper stores them and answers with the matching Has* flag set and the
// value empty. When a client sends a profile back with a secret empty and
// its Has* flag true, the stored secret is kept; with the flag false it is
// removed. So a client can edit a profile it read without knowing its
// secrets.
//
// Durations are Go duration strings ("30s"). Certificates and keys are
// PEM text in Cert, Key and CA, and the PKCS#12 bundle base64 in P12; the
// *File fields name a file instead, which the helper reads as root at
// every connect and so accepts from root only. A value is never taken for
// a file name unless it is in a *File field.
//
// Owner and Shared are set by the helper: a profile belongs to the user
// who created it, and only that user and root may read its details, edit,
// remove or connect it, unless root shared a profile of its own.
type Profile struct {
	// Name identifies the profile: letters, digits, '.', '_' and '-', at
	// most 64 characters, starting with a letter or digit.
	Name string `json:"name"`
	// Gateway is the gateway's host name or address, with an optional
	// ":port" (default 500; an IPv6 address with a port goes in brackets).
	Gateway string `json:"gateway"`
	// RemoteID is the identity the gateway must prove; empty means Gateway's
	// host.
	RemoteID string `json:"remote_id,omitempty"`
	// LocalID is the identity the client claims.
	LocalID string `json:"local_id,omitempty"`
	// Auth is one of AuthPSK, AuthCert, AuthEAPMSCHAPv2, AuthEAPTLS.
	Auth string `json:"auth"`

	// PSK is the pre-shared key (write-only).
	PSK string `json:"psk,omitempty"`
	// Cert is the client certificate (PEM).
	Cert string `json:"cert,omitempty"`
	// Key is the client's private key (PEM; write-only).
	Key string `json:"key,omitempty"`
	// P12 is a base64 PKCS#12 bundle with the client certificate and key
	// (write-only).
	P12 string `json:"p12,omitempty"`
	// P12Password unlocks P12 (write-only).
	P12Password string `json:"p12_password,omitempty"`
	// Username is the EAP identity.
	Username string `json:"username,omitempty"`
	// Password is the EAP password (write-only). Without one the helper
	// asks its clients when it needs it (see PromptProtocol), or the
	// client passes it in ConnectRequest.
	Password string `json:"password,omitempty"`
	// CA holds the certificate(s) that sign the gateway's certificate
	// (PEM).
	CA string `json:"ca,omitempty"`

	// CertFile, KeyFile, CAFile and P12File are absolute paths of files
	// the helper reads instead of Cert, Key, CA and P12 (root only; a
	// profile has a value or its file, not both). They are not secrets:
	// the helper returns them as stored.
	CertFile string `json:"cert_file,omitempty"`
	KeyFile  string `json:"key_file,omitempty"`
	CAFile   string `json:"ca_file,omitempty"`
	P12File  string `json:"p12_file,omitempty"`

	// Owner is the uid of the user who created the profile; 0 is root.
	// The helper sets it; a value a client sends is ignored.
	Owner uint32 `json:"owner,omitempty"`
	// Shared lets every member of the group connect and disconnect a
	// profile root owns, without seeing its details or secrets or
	// editing it. Only root may set it.
	Shared bool `json:"shared,omitempty"`

	// HasPSK reports that a PSK is stored.
	HasPSK bool `json:"has_psk,omitempty"`
	// HasKey reports that a private key is stored.
	HasKey bool `json:"has_key,omitempty"`
	// HasP12 reports that a PKCS#12 bundle is stored.
	HasP12 bool `json:"has_p12,omitempty"`
	// HasP12Password reports that the PKCS#12 password is stored.
	HasP12Password bool `json:"has_p12_password,omitempty"`
	// HasPassword reports that an EAP password is stored.
	HasPassword bool `json:"has_password,omitempty"`

	// IKEProposals are IKE proposals in strongSwan syntax
	// ("aes256gcm16-prfsha384-x25519"); empty means the helper's defaults.
	IKEProposals []string `json:"ike_proposals,omitempty"`
	// ESPProposals are ESP proposals in strongSwan syntax ("aes256gcm16",
	// "aes128gcm16-x25519-modpnone" for optional PFS); empty means the
	// helper's defaults, which offer PFS with NONE among the methods.
	ESPProposals []string `json:"esp_proposals,omitempty"`
	// RemoteTS are the prefixes sent through the tunnel; empty means
	// everything (0.0.0.0/0 and ::/0).
	RemoteTS []string `json:"remote_ts,omitempty"`
	// Exclude are prefixes that never go through the tunnel.
	Exclude []string `json:"exclude,omitempty"`
	// AllowUngranted names the address families ("ipv4", "ipv6") whose
	// RemoteTS the gateway did not grant may go outside the tunnel. By
	// default what was asked for and not granted is blocked.
	AllowUngranted []string `json:"allow_ungranted,omitempty"`
	// DNS are name servers to use instead of those the gateway assigns.
	DNS []string `json:"dns,omitempty"`
	// DNSDomains are domains whose names go to the tunnel's name
	// servers, in addition to those the gateway sends (RFC 8598
	// INTERNAL_DNS_DOMAIN); empty means only the gateway's.
	DNSDomains []string `json:"dns_domains,omitempty"`
	// MTU of the tunnel device; 0 means 1400.
	MTU int `json:"mtu,omitempty"`

	// OnDemand installs the routes before connecting; the first matching
	// packet starts the negotiation.
	OnDemand bool `json:"on_demand,omitempty"`
	// RawESP sends ESP as IP protocol 50 when no NAT is detected (Linux).
	RawESP bool `json:"raw_esp,omitempty"`
	// AllowPeerTS allows a remote selector equal to the gateway's address.
	AllowPeerTS bool `json:"allow_peer_ts,omitempty"`
	// FWMark marks the IKE/ESP sockets ("0x1234" or decimal) so policy
	// routing can skip them; empty means the helper's default when needed.
	FWMark string `json:"fwmark,omitempty"`
	// KillSwitch blocks traffic outside the tunnel while it is down.
	KillSwitch bool `json:"kill_switch,omitempty"`
	// BlockOutside blocks every IPv4 and IPv6 packet that does not go
	// through the tunnel, not only those for RemoteTS, from connect to
	// disconnect (IKE and ESP to the gateway, loopback, neighbour
	// discovery and DHCP still pass). It implies KillSwitch.
	BlockOutside bool `json:"block_outside,omitempty"`
	// DPD is the dead peer detection interval (RFC 7296 §2.4); empty means
	// the default, "0s" disables it.
	DPD string `json:"dpd,omitempty"`
	// NATKeepalive is the NAT keepalive interval (RFC 3948 §4); empty means
	// the default, "0s" disables it.
	NATKeepalive string `json:"nat_keepalive,omitempty"`

	// AutoConnect makes the connection always-on: the helper brings it
	// up when it starts and keeps it up, across helper restarts and
	// reboots, until the user disconnects it (down), which holds it down
	// until the next connect.
	AutoConnect bool `json:"auto_connect,omitempty"`
	// TrustedNetworks are networks on which an always-on connection stays
	// down, each "dns-suffix:DOMAIN", "prefix:NETWORK" or
	// "gateway-mac:MAC" (see the README).
	TrustedNetworks []string `json:"trusted_networks,omitempty"`
}

// Redacted returns a copy of p with every secret removed and the matching
// Has* flag set, as the helper returns profiles.
func (p Profile) Redacted() Profile {
	r := p
	r.HasPSK = p.HasPSK || p.PSK != ""
	r.HasKey = p.HasKey || p.Key != ""
	r.HasP12 = p.HasP12 || p.P12 != ""
	r.HasP12Password = p.HasP12Password || p.P12Password != ""
	r.HasPassword = p.HasPassword || p.Password != ""
	r.PSK, r.Key, r.P12, r.P12Password, r.Password = "", "", "", "", ""
	r.IKEProposals = cloneStrings(p.IKEProposals)
	r.ESPProposals = cloneStrings(p.ESPProposals)
	r.RemoteTS = cloneStrings(p.RemoteTS)
	r.Exclude = cloneStrings(p.Exclude)
	r.AllowUngranted = cloneStrings(p.AllowUngranted)
	r.DNS = cloneStrings(p.DNS)
	r.DNSDomains = cloneStrings(p.DNSDomains)
	r.TrustedNetworks = cloneStrings(p.TrustedNetworks)
	return r
}

func cloneStrings(s []string) []string {
	if s == nil {
		return nil
	}
	return append([]string(nil), s...)
}

// ConnectRequest is the optional body of POST PathConnect.
type ConnectRequest struct {
	// Password is the EAP password, for a profile that stores none or to
	// use instead of the stored one. It is used for this connection only
	// (through its reconnections) and never stored.
	Password string `json:"password,omitempty"`
	// Replace disconnects first the active connections whose networks
	// overlap the profile's, which would otherwise refuse it.
	Replace bool `json:"replace,omitempty"`
}

// Summary returns what every member of the group may see of a profile
// that is neither theirs nor shared with them: its name and owner.
func (p Profile) Summary() Profile {
	return Profile{Name: p.Name, Owner: p.Owner, Shared: p.Shared}
}

// AlwaysOn is the helper-wide default always-on profile (GET and PUT
// PathAlwaysOn): a profile the helper keeps connected as if its
// AutoConnect were set. Only the profile's owner or root may mark it, and
// only the marked profile's owner or root may change or clear the mark.
type AlwaysOn struct {
	// Profile is the marked profile's name; empty when none is marked
	// (PUT with an empty name clears the mark).
	Profile string `json:"profile"`
}
