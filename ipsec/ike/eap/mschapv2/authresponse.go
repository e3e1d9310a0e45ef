package mschapv2

import (
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"strings"
)

// The constants of GenerateAuthenticatorResponse (RFC 2759 §8.7).
const (
	magicServer = "Magic server to client signing constant"
	magicPad    = "Pad to make it do more than one iteration"
)

// authenticatorResponse is GenerateAuthenticatorResponse (RFC 2759 §8.7):
// the 20 octets the authenticator sends as "S=" plus 40 hexadecimal digits
// to prove it knows the password hash.
func authenticatorResponse(hashHash [hashLen]byte, nt [ntResponseLen]byte, peer, auth [challengeLen]byte, user string) [sha1.Size]byte {
	h := sha1.New()
	h.Write(hashHash[:])
	h.Write(nt[:])
	h.Write([]byte(magicServer))
	digest := h.Sum(nil)
	ch := challengeHash(peer, auth, user)
	h.Reset()
	h.Write(digest)
	h.Write(ch[:])
	h.Write([]byte(magicPad))
	var out [sha1.Size]byte
	copy(out[:], h.Sum(nil))
	return out
}

// authString formats an authenticator response as RFC 2759 §5 sends it,
// with upper-case digits.
func authString(r [sha1.Size]byte) string {
	return "S=" + strings.ToUpper(hex.EncodeToString(r[:]))
}

// checkAuthString is CheckAuthenticatorResponse (RFC 2759 §8.8): it
// compares in constant time and accepts either case of hexadecimal digits.
func checkAuthString(s string, want [sha1.Size]byte) bool {
	got, err := hex.DecodeString(strings.TrimPrefix(s, "S="))
	if err != nil || !strings.HasPrefix(s, "S=") || len(got) != sha1.Size {
		return false
	}
	return subtle.ConstantTimeCompare(got, want[:]) == 1
}
