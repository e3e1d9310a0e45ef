// Package form is the profile editor's model, without widgets: the text of
// every field as typed, the checks that run on each keystroke, and the
// conversion to and from api.Profile.
//
// The checks use the helper's own rules (helper/profile, and
// ipsec/suite.ParseProposal for proposals), so what the editor accepts the
// helper accepts; every message starts with the field's label, so the user
// knows where to look.
package form

import (
	"encoding/base64"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// Form holds the editor's fields as the user typed them. List fields hold
// one item a line (commas also separate).
type Form struct {
	Name, Gateway, RemoteID, LocalID string
	// Auth is one of api.AuthPSK, AuthCert, AuthEAPMSCHAPv2, AuthEAPTLS.
	Auth string
	// Secrets: empty means "keep what is stored" when the stored profile
	// has one (see Stored).
	PSK, Key, Password         string
	Cert, CA, Username         string
	IKEProposals, ESPProposals string
	RemoteTS, Exclude, DNS     string
	// DNSDomains are the profile's dns_domains, one a line.
	DNSDomains string
	// UseP12 chooses a PKCS#12 bundle over a certificate and key for the
	// certificate methods. P12 is the bundle chosen in the editor, base64
	// (Material); empty keeps what is stored. P12Password unlocks it.
	UseP12      bool
	P12         string
	P12Password string
	// Clear holds the secrets (api.FieldPSK, FieldKey, FieldP12,
	// FieldP12Password, FieldPassword) whose stored value the user
	// cleared: they are not kept.
	Clear    map[string]bool
	MTU      string
	OnDemand bool
	// KillSwitch and BlockOutside are the profile's kill_switch and
	// block_outside. BlockOutside implies KillSwitch, as in the helper:
	// Profile sets both.
	KillSwitch, BlockOutside bool
	// AutoConnect is the profile's auto_connect; TrustedNetworks its
	// trusted_networks, one a line.
	AutoConnect     bool
	TrustedNetworks string
}

// Hints the editor shows under the kill switch's two settings. Both are
// Linux-only: they need nftables and socket marks.
const (
	KillSwitchHint = "Linux only. From Connect to Disconnect, through every reconnection, nothing for the networks " +
		"through the tunnel leaves outside it, and while the tunnel is down DNS queries do not go to the local network."
	BlockOutsideHint = "Linux only. Blocks all other IPv4 and IPv6 traffic outside the tunnel too, except IKE to the gateway " +
		"and what the local link needs (neighbour discovery, DHCP). Turns the kill switch on."
	AutoConnectHint = "The helper connects when it starts, after a reboot too, and keeps the connection up " +
		"until you disconnect it, which keeps it down until you connect it again. With the kill switch, traffic is blocked until connected."
	TrustedNetworksHint = "On these networks the connection stays down. One a line: dns-suffix:corp.example, " +
		"prefix:192.0.2.0/24 or gateway-mac:00:00:5e:00:53:01 (Linux only)."
)

// Stored is what the helper holds of a profile being edited: the profile
// as it returned it (no secrets, Has* flags set). The zero value means a
// new profile.
type Stored struct {
	// Profile is the stored profile; Name is empty for a new one.
	Profile api.Profile
}

// Editing reports whether an existing profile is being edited.
func (s Stored) Editing() bool { return s.Profile.Name != "" }

// FromProfile fills a Form from a stored profile; secrets stay empty.
func FromProfile(p api.Profile) Form {
	f := Form{
		Name: p.Name, Gateway: p.Gateway, RemoteID: p.RemoteID, LocalID: p.LocalID, Auth: p.Auth,
		Cert: orElse(p.Cert, p.CertFile), CA: orElse(p.CA, p.CAFile), Username: p.Username,
		IKEProposals: strings.Join(p.IKEProposals, "\n"), ESPProposals: strings.Join(p.ESPProposals, "\n"),
		RemoteTS: strings.Join(p.RemoteTS, "\n"), Exclude: strings.Join(p.Exclude, "\n"), DNS: strings.Join(p.DNS, "\n"),
		DNSDomains: strings.Join(p.DNSDomains, "\n"),
		OnDemand:   p.OnDemand, KillSwitch: p.KillSwitch || p.BlockOutside, BlockOutside: p.BlockOutside,
		AutoConnect: p.AutoConnect, TrustedNetworks: strings.Join(p.TrustedNetworks, "\n"),
		UseP12: p.HasP12 || p.P12 != "" || p.P12File != "",
	}
	if f.Auth == "" {
		f.Auth = api.AuthPSK
	}
	if p.MTU != 0 {
		f.MTU = strconv.Itoa(p.MTU)
	}
	return f
}

// Profile builds the profile to send to the helper. Fields the editor
// does not show (DPD, fwmark, ...) come from the stored profile.
// A secret left empty is kept if one is stored and the authentication
// method still uses it; secrets the method does not use are dropped. It
// assumes Check found nothing; an MTU that is not a number becomes 0.
func (f Form) Profile(s Stored) api.Profile {
	p := s.Profile.Redacted()
	p.Name = strings.TrimSpace(f.Name)
	p.Gateway = strings.TrimSpace(f.Gateway)
	p.RemoteID = strings.TrimSpace(f.RemoteID)
	p.LocalID = strings.TrimSpace(f.LocalID)
	p.Auth = f.Auth
	p.Cert, p.Username = "", ""
	p.PSK, p.Key, p.Password = "", "", ""
	p.CA, p.CAFile = splitPath(strings.TrimSpace(f.CA))
	usesCert := f.Auth == api.AuthCert || f.Auth == api.AuthEAPTLS
	pair, bundle := usesCert && !f.UseP12, usesCert && f.UseP12
	kept := func(has bool, field string) bool { return has && !f.Clear[field] }
	p.HasPSK = kept(p.HasPSK, api.FieldPSK) && f.Auth == api.AuthPSK
	p.HasKey = kept(p.HasKey, api.FieldKey) && pair
	// A new bundle comes with its own password, even an empty one.
	p.HasP12 = kept(p.HasP12, api.FieldP12) && bundle && f.P12 == ""
	p.HasP12Password = kept(p.HasP12Password, api.FieldP12Password) && bundle && f.P12 == ""
	p.HasPassword = kept(p.HasPassword, api.FieldPassword) && f.Auth == api.AuthEAPMSCHAPv2
	switch {
	case f.Auth == api.AuthPSK:
		p.PSK = f.PSK
	case pair:
		p.Cert, p.CertFile = splitPath(strings.TrimSpace(f.Cert))
		if k := strings.TrimSpace(f.Key); k != "" {
			p.Key, p.KeyFile = splitPath(k)
		} else if f.Clear[api.FieldKey] {
			p.KeyFile = ""
		}
	case bundle:
		p.P12, p.P12Password = f.P12, f.P12Password
		if f.P12 != "" || f.Clear[api.FieldP12] {
			p.P12File = ""
		}
	case f.Auth == api.AuthEAPMSCHAPv2:
		p.Username = strings.TrimSpace(f.Username)
		p.Password = f.Password
	}
	if !pair {
		p.CertFile, p.KeyFile = "", ""
	}
	if !bundle {
		p.P12, p.P12Password, p.P12File = "", "", ""
	}
	p.IKEProposals = Lines(f.IKEProposals)
	p.ESPProposals = Lines(f.ESPProposals)
	p.RemoteTS = Lines(f.RemoteTS)
	p.Exclude = Lines(f.Exclude)
	p.DNS = Lines(f.DNS)
	p.DNSDomains = Lines(f.DNSDomains)
	p.MTU, _ = strconv.Atoi(strings.TrimSpace(f.MTU))
	p.OnDemand = f.OnDemand
	p.BlockOutside = f.BlockOutside
	p.KillSwitch = f.KillSwitch || f.BlockOutside
	p.AutoConnect = f.AutoConnect
	p.TrustedNetworks = Lines(f.TrustedNetworks)
	return p
}

// splitPath returns a certificate or key field's text as the profile's
// inline value or as its *_file path: an absolute path is a file's name
// (which Inline reads as the user before the profile is sent), anything
// else the PEM text itself.
func splitPath(v string) (inline, path string) {
	if isPath(v) {
		return "", v
	}
	return v, ""
}

// isPath reports whether a field's text is an absolute path rather than
// PEM text.
func isPath(v string) bool {
	return filepath.IsAbs(v) && !strings.Contains(v, "-----BEGIN ")
}

func orElse(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// Inline reads, with read (the user's own permissions), every file the
// profile names that the stored profile does not already name, and puts
// its content in the inline field: the helper reads files as root and
// takes paths from root only, so a user's file goes to it as data. A
// path the stored profile holds is left for the helper (root set it).
// Errors name the field and the path.
func Inline(p *api.Profile, s Stored, read func(string) ([]byte, error)) error {
	for _, f := range []struct {
		field        string
		inline, path *string
		stored       string
	}{
		{api.FieldCertFile, &p.Cert, &p.CertFile, s.Profile.CertFile},
		{api.FieldKeyFile, &p.Key, &p.KeyFile, s.Profile.KeyFile},
		{api.FieldCAFile, &p.CA, &p.CAFile, s.Profile.CAFile},
		{api.FieldP12File, &p.P12, &p.P12File, s.Profile.P12File},
	} {
		if *f.path == "" || *f.path == f.stored {
			continue
		}
		b, err := read(*f.path)
		if err != nil {
			return fmt.Errorf("%s: %w", explain.FieldLabel(strings.TrimSuffix(f.field, "_file")), err)
		}
		if f.path == &p.P12File {
			*f.inline = base64.StdEncoding.EncodeToString(b)
		} else {
			*f.inline = string(b)
		}
		*f.path = ""
	}
	return nil
}

// Lines splits a list field into its items: one a line or separated by
// commas, blanks dropped; nil when empty.
func Lines(s string) []string {
	var out []string
	for _, l := range strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == ',' || r == '\r' }) {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// DefaultProposals returns the proposals the helper offers when a profile
// names none, one a line, for the editor's placeholder.
func DefaultProposals(esp bool) string {
	ps := suite.DefaultIKE()
	if esp {
		ps = suite.DefaultESP()
	}
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.String()
	}
	return strings.Join(s, "\n")
}
