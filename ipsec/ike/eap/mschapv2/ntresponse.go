package mschapv2

import (
	"crypto/des"
	"crypto/sha1"
	"strings"
	"unicode/utf16"

	"golang.org/x/crypto/md4" //lint:ignore SA1019 MD4 is what RFC 2759 §8.3 prescribes.
)

// Lengths of RFC 2759's values.
const (
	challengeLen  = 16 // AuthenticatorChallenge and PeerChallenge
	ntResponseLen = 24
	hashLen       = 16 // PasswordHash, PasswordHashHash
)

// ntPasswordHash is NtPasswordHash (RFC 2759 §8.3): MD4 of the password in
// UTF-16 little-endian ("Unicode").
func ntPasswordHash(password string) [hashLen]byte {
	u := utf16.Encode([]rune(password))
	b := make([]byte, 0, 2*len(u))
	for _, c := range u {
		b = append(b, byte(c), byte(c>>8))
	}
	defer clear(b)
	return md4Sum(b)
}

// hashNTPasswordHash is HashNtPasswordHash (RFC 2759 §8.4).
func hashNTPasswordHash(h [hashLen]byte) [hashLen]byte { return md4Sum(h[:]) }

func md4Sum(b []byte) [hashLen]byte {
	m := md4.New()
	m.Write(b)
	var out [hashLen]byte
	m.Sum(out[:0])
	return out
}

// userNameForHash strips a "DOMAIN\" prefix from the user name, which RFC
// 2759 §8.2 leaves out of the challenge hash; strongSwan and Windows cut at
// the first backslash.
func userNameForHash(user string) string {
	if _, after, ok := strings.Cut(user, `\`); ok {
		return after
	}
	return user
}

// challengeHash is ChallengeHash (RFC 2759 §8.2): the first 8 octets of
// SHA-1(PeerChallenge | AuthenticatorChallenge | UserName).
func challengeHash(peer, auth [challengeLen]byte, user string) [8]byte {
	h := sha1.New()
	h.Write(peer[:])
	h.Write(auth[:])
	h.Write([]byte(userNameForHash(user)))
	var out [8]byte
	copy(out[:], h.Sum(nil))
	return out
}

// challengeResponse is ChallengeResponse (RFC 2759 §8.5): the challenge
// encrypted under three DES keys cut from the zero-padded password hash.
func challengeResponse(challenge [8]byte, h [hashLen]byte) [ntResponseLen]byte {
	var z [21]byte
	copy(z[:], h[:])
	defer clear(z[:])
	var out [ntResponseLen]byte
	for i := range 3 {
		desEncrypt(out[8*i:8*i+8], challenge[:], z[7*i:7*i+7])
	}
	return out
}

// desEncrypt is DesEncrypt (RFC 2759 §8.6): one DES block under a 7-octet
// key, spread over 8 octets with the low bit of each left for parity, which
// DES ignores.
func desEncrypt(dst, block, key7 []byte) {
	var k [8]byte
	k[0] = key7[0]
	for i := 1; i < 7; i++ {
		k[i] = key7[i-1]<<(8-i) | key7[i]>>i
	}
	k[7] = key7[6] << 1
	for i := range k {
		k[i] &^= 1
	}
	c, err := des.NewCipher(k[:])
	if err != nil {
		panic(err) // an 8-octet key never fails
	}
	c.Encrypt(dst, block)
	clear(k[:])
}

// ntResponse is GenerateNTResponse (RFC 2759 §8.1).
func ntResponse(auth, peer [challengeLen]byte, user string, h [hashLen]byte) [ntResponseLen]byte {
	return challengeResponse(challengeHash(peer, auth, user), h)
}
