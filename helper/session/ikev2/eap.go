package ikev2

import (
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/eaptls"
	"github.com/espressovpn/espresso/ipsec/ike/eap/mschapv2"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// mschapv2Peer returns the EAP peer of an EAP-MSCHAPv2 profile: the user
// name is the EAP identity (RFC 3748 §5.1) and the MSCHAPv2 user.
func mschapv2Peer(user, password string) func() *eap.Peer {
	return func() *eap.Peer {
		return eap.NewPeer(user, mschapv2.NewPeer(user, password, nil))
	}
}

// tlsPeer returns the EAP peer of an EAP-TLS profile (RFC 5216): the
// client certificate inside TLS, the gateway's certificate checked against
// the profile's CAs and remote_id. The EAP identity is the user name, else
// the IKE identity.
func tlsPeer(p session.Params, identity string, server wire.Identity) func() *eap.Peer {
	if p.Username != "" {
		identity = p.Username
	}
	cert := (&creds.Credential{Chain: p.Cert, Key: p.Key}).TLSCertificate()
	roots := creds.Pool(p.CAs)
	return func() *eap.Peer {
		return eap.NewPeer(identity, eaptls.NewPeer(eaptls.Config{Certificate: cert, Roots: roots, ServerID: server}))
	}
}
