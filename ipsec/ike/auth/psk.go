package auth

import (
	"crypto/subtle"
	"fmt"

	"github.com/espressovpn/espresso/ipsec/ike/keymat"
)

// keyPad is the constant of RFC 7296 §2.15 that turns a shared secret into
// the key of the AUTH MAC.
const keyPad = "Key Pad for IKEv2"

// SharedKeyMAC returns the AUTH data of the shared key method (auth method 2):
// prf(prf(secret, "Key Pad for IKEv2"), octets) (RFC 7296 §2.15).
func SharedKeyMAC(prf keymat.PRF, secret, octets []byte) []byte {
	k := prf.Sum(secret, []byte(keyPad))
	defer clear(k)
	return prf.Sum(k, octets)
}

// VerifySharedKeyMAC checks a peer's shared-key AUTH data in constant time.
func VerifySharedKeyMAC(prf keymat.PRF, secret, octets, authData []byte) error {
	want := SharedKeyMAC(prf, secret, octets)
	if subtle.ConstantTimeCompare(want, authData) != 1 {
		return fmt.Errorf("ike auth: shared key MAC: %w", ErrAuthFailed)
	}
	return nil
}
