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
	"strconv"
	"strings"

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
	MTU                        string
	OnDemand                   bool
	// KillSwitch and BlockOutside are the profile's kill_switch and
	// block_outside. BlockOutside implies KillSwitch, as in the helper:
	// Profile sets both.
	KillSwitch, BlockOutside bool
}

// Hints the editor shows under the kill switch's two settings. Both are
// Linux-only: they need nftables and socket marks.
const (
	KillSwitchHint = "Linux only. From Connect to Disconnect, through every reconnection, nothing for the networks " +
		"through the tunnel leaves outside it, and while the tunnel is down DNS queries do not go to the local network."
	BlockOutsideHint = "Linux only. Blocks all other IPv4 and IPv6 traffic outside the tunnel too, except IKE to the gateway " +
		"and what the local link needs (neighbour discovery, DHCP). Turns the kill switch on."
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
		Cert: p.Cert, CA: p.CA, Username: p.Username,
		IKEProposals: strings.Join(p.IKEProposals, "\n"), ESPProposals: strings.Join(p.ESPProposals, "\n"),
		RemoteTS: strings.Join(p.RemoteTS, "\n"), Exclude: strings.Join(p.Exclude, "\n"), DNS: strings.Join(p.DNS, "\n"),
		OnDemand: p.OnDemand, KillSwitch: p.KillSwitch || p.BlockOutside, BlockOutside: p.BlockOutside,
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
	p.Cert, p.CA, p.Username = "", strings.TrimSpace(f.CA), ""
	p.PSK, p.Key, p.Password = "", "", ""
	usesCert := f.Auth == api.AuthCert || f.Auth == api.AuthEAPTLS
	p.HasPSK = p.HasPSK && f.Auth == api.AuthPSK
	p.HasKey = p.HasKey && usesCert
	p.HasP12 = p.HasP12 && usesCert
	p.HasP12Password = p.HasP12Password && usesCert
	p.HasPassword = p.HasPassword && f.Auth == api.AuthEAPMSCHAPv2
	switch f.Auth {
	case api.AuthPSK:
		p.PSK = f.PSK
	case api.AuthCert, api.AuthEAPTLS:
		p.Cert = strings.TrimSpace(f.Cert)
		p.Key = strings.TrimSpace(f.Key)
	case api.AuthEAPMSCHAPv2:
		p.Username = strings.TrimSpace(f.Username)
		p.Password = f.Password
	}
	if !usesCert {
		p.P12, p.P12Password = "", ""
	}
	p.IKEProposals = Lines(f.IKEProposals)
	p.ESPProposals = Lines(f.ESPProposals)
	p.RemoteTS = Lines(f.RemoteTS)
	p.Exclude = Lines(f.Exclude)
	p.DNS = Lines(f.DNS)
	p.MTU, _ = strconv.Atoi(strings.TrimSpace(f.MTU))
	p.OnDemand = f.OnDemand
	p.BlockOutside = f.BlockOutside
	p.KillSwitch = f.KillSwitch || f.BlockOutside
	return p
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
