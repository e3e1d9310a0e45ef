package explain

import (
	"fmt"
	"regexp"
	"strconv"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
)

// sentID finds an identity the helper quotes in its reason, as the IKE
// daemon words a refused authentication: IDi "alice@example.com" for IDr
// "vpn.example.com".
var sentID = regexp.MustCompile(`\b(IDi|IDr) ("(?:[^"\\]|\\.)*")`)

// sentIdentities returns the IDi and IDr quoted in text, empty where text
// quotes none.
func sentIdentities(text string) (idi, idr string) {
	for _, m := range sentID.FindAllStringSubmatch(text, -1) {
		v, err := strconv.Unquote(m[2])
		if err != nil {
			continue
		}
		if m[1] == "IDi" {
			idi = v
		} else {
			idr = v
		}
	}
	return idi, idr
}

// identitiesRejected explains AUTHENTICATION_FAILED answered to a request
// that named the gateway's identity: a gateway picks its configuration by
// the identities (RFC 7296 §3.5), so the gateway identity is as likely
// wrong as ours or the key, and the sentence names what was sent. The
// identities come from the helper's text; the profile fills in what the
// text lacks.
func identitiesRejected(text string, p *api.Profile) Sentence {
	idi, idr := sentIdentities(text)
	if p != nil {
		if idi == "" {
			idi = p.LocalID
		}
		if idr == "" {
			idr = p.RemoteID
		}
		if idr == "" {
			if h, _, err := profile.SplitGateway(p.Gateway); err == nil {
				idr = h
			}
		}
	}
	problem := "The gateway refused the authentication"
	switch {
	case idi != "" && idr != "":
		problem = fmt.Sprintf("The gateway refused the authentication as %s to the gateway identity %s", idi, idr)
	case idr != "":
		problem = fmt.Sprintf("The gateway refused the authentication to the gateway identity %s", idr)
	}
	creds := "the pre-shared key or certificate"
	if p != nil {
		switch p.Auth {
		case api.AuthPSK:
			creds = "the pre-shared key"
		case api.AuthCert, api.AuthEAPTLS:
			creds = "your certificate"
		case api.AuthEAPMSCHAPv2:
			creds = "the user name and password"
		}
	}
	return Sentence{problem,
		fmt.Sprintf("Check the gateway identity (remote_id), your identity (local_id) and %s under Edit; the gateway may have no configuration for these identities.", creds),
		ActionEdit}
}
