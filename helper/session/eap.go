package session

import (
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/eaptls"
	"github.com/espressovpn/espresso/ipsec/ike/eap/mschapv2"
)

// mschapv2Peer returns the EAP peer of an EAP-MSCHAPv2 profile: the user
// name is the EAP identity (RFC 3748 §5.1) and the MSCHAPv2 user.
// The password is read when the peer is made, for each negotiation; the
// session wipes it when it ends.
func mschapv2Peer(user string, password profile.Secret) func() *eap.Peer {
	return func() *eap.Peer {
		return eap.NewPeer(user, mschapv2.NewPeer(user, password.Reveal(), nil))
	}
}

// tlsPeer returns the EAP peer of an EAP-TLS profile (RFC 5216): the
// client certificate of c inside TLS, the gateway's certificate checked
// against c's CAs and remote identity. The EAP identity is the user name,
// else the IKE identity.
func tlsPeer(c *ike.Config, username, identity string) func() *eap.Peer {
	if username != "" {
		identity = username
	}
	cert := (&creds.Credential{Chain: c.Cert, Key: c.Key}).TLSCertificate()
	roots := creds.Pool(c.CAs)
	server := c.RemoteID
	return func() *eap.Peer {
		return eap.NewPeer(identity, eaptls.NewPeer(eaptls.Config{Certificate: cert, Roots: roots, ServerID: server}))
	}
}
