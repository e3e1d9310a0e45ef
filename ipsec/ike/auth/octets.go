package auth

import (
	"github.com/espressovpn/espresso/ipsec/ike/keymat"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// SignedOctets returns the octets an AUTH payload covers (RFC 7296 §2.15):
//
//	message | peer's nonce data | prf(SK_p, IDx')
//
// message is the signer's own IKE_SA_INIT message as sent (the request for
// the initiator, the response for the responder), nonce is the other side's
// Nonce Data, skp is SK_pi for the initiator's AUTH and SK_pr for the
// responder's, and id is the signer's identity; IDx' is its ID payload body
// (type, three reserved octets, data).
func SignedOctets(prf keymat.PRF, skp, message, nonce []byte, id wire.Identity) []byte {
	idBody, _ := id.AppendBody(nil) // cannot fail: it only appends
	mac := prf.Sum(skp, idBody)
	out := make([]byte, 0, len(message)+len(nonce)+len(mac))
	return append(append(append(out, message...), nonce...), mac...)
}
