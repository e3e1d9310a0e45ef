package profile

import (
	"encoding/base64"
	"fmt"
	"net/netip"
	"slices"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// API returns p in the API's JSON shape, secrets included: Parse of the
// result gives p back. Values come out in their canonical spelling (a
// masked prefix, a proposal as suite writes it, a hex fwmark, base64
// without line breaks), which may differ from the profile's original
// text.
func (p *Profile) API() api.Profile {
	out := api.Profile{
		Name:         p.Name,
		Gateway:      p.Gateway.String(),
		RemoteID:     p.RemoteID,
		LocalID:      p.LocalID,
		Auth:         p.Auth.String(),
		PSK:          p.PSK.Reveal(),
		Cert:         string(p.Cert.Data),
		Key:          string(p.Key.Data),
		CA:           string(p.CA.Data),
		CertFile:     p.Cert.Path,
		KeyFile:      p.Key.Path,
		CAFile:       p.CA.Path,
		P12File:      p.P12.Path,
		P12Password:  p.P12Password.Reveal(),
		Username:     p.Username,
		Password:     p.Password.Reveal(),
		IKEProposals: proposalTexts(p.IKEProposals),
		ESPProposals: proposalTexts(p.ESPProposals),
		RemoteTS:     prefixTexts(p.RemoteTS),
		Exclude:      prefixTexts(p.Exclude),
		DNSDomains:   slices.Clone(p.DNSDomains),
		MTU:          p.MTU,
		OnDemand:     p.OnDemand,
		RawESP:       p.RawESP,
		AllowPeerTS:  p.AllowPeerTS,
		KillSwitch:   p.KillSwitch,
		BlockOutside: p.BlockOutside,
		DPD:          p.DPD.String(),
		NATKeepalive: p.NATKeepalive.String(),
		Owner:        p.Owner,
		Shared:       p.Shared,
		AutoConnect:  p.AutoConnect,
	}
	for _, t := range p.Trusted {
		out.TrustedNetworks = append(out.TrustedNetworks, t.String())
	}
	if len(p.P12.Data) > 0 {
		out.P12 = base64.StdEncoding.EncodeToString(p.P12.Data)
	}
	for _, a := range p.DNS {
		out.DNS = append(out.DNS, a.String())
	}
	if p.AllowUngranted4 {
		out.AllowUngranted = append(out.AllowUngranted, FamilyIPv4)
	}
	if p.AllowUngranted6 {
		out.AllowUngranted = append(out.AllowUngranted, FamilyIPv6)
	}
	if p.FWMark != 0 {
		out.FWMark = fmt.Sprintf("%#x", p.FWMark)
	}
	return out
}

func proposalTexts(ps []suite.Proposal) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}

func prefixTexts(ps []netip.Prefix) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.String())
	}
	return out
}
