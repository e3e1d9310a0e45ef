package mschapv2

import (
	"bytes"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
)

// The worked example of RFC 2759 §9.2, which RFC 3079 §3.5 continues.
const (
	rfcUser     = "User"
	rfcPassword = "clientPass"
	rfcAuthChal = "5B 5D 7C 7D 7B 3F 2F 3E 3C 2C 60 21 32 26 26 28"
	rfcPeerChal = "21 40 23 24 25 5E 26 2A 28 29 5F 2B 3A 33 7C 7E"
)

func rfcChallenges(t testing.TB) (auth, peer [challengeLen]byte) {
	copy(auth[:], kat.Hex(t, rfcAuthChal))
	copy(peer[:], kat.Hex(t, rfcPeerChal))
	return auth, peer
}

func check(t *testing.T, what string, got []byte, want string) {
	t.Helper()
	if !bytes.Equal(got, kat.Hex(t, want)) {
		t.Errorf("%s mismatch", what)
	}
}

func TestRFC2759Example(t *testing.T) {
	auth, peer := rfcChallenges(t)
	h := ntPasswordHash(rfcPassword)
	check(t, "PasswordHash", h[:], "44 EB BA 8D 53 12 B8 D6 11 47 44 11 F5 69 89 AE")
	hh := hashNTPasswordHash(h)
	check(t, "PasswordHashHash", hh[:], "41 C0 0C 58 4B D2 D9 1C 40 17 A2 A1 2F A5 9F 3F")
	ch := challengeHash(peer, auth, rfcUser)
	check(t, "Challenge", ch[:], "D0 2E 43 86 BC E9 12 26")
	nt := ntResponse(auth, peer, rfcUser, h)
	check(t, "NT-Response", nt[:], "82 30 9E CD 8D 70 8B 5E A0 8F AA 39 81 CD 83 54 42 33 11 4A 3D 85 D6 DF")
	ar := authenticatorResponse(hh, nt, peer, auth, rfcUser)
	if got := authString(ar); got != "S=407A5589115FD0D6209F510FE9C04566932CDA56" {
		t.Errorf("AuthenticatorResponse %s", got)
	}
	if !checkAuthString("S=407a5589115fd0d6209f510fe9c04566932cda56", ar) {
		t.Error("lower-case authenticator response refused")
	}
	for _, bad := range []string{"S=407A5589115FD0D6209F510FE9C04566932CDA57", "407A5589115FD0D6209F510FE9C04566932CDA56", "S=407A", "S=ZZ7A5589115FD0D6209F510FE9C04566932CDA56", ""} {
		if checkAuthString(bad, ar) {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestRFC3079Example(t *testing.T) {
	// RFC 3079 §3.5.3, 128-bit keys: the master key, and the master send
	// key of the server (Magic3), which is the client's receive key.
	auth, peer := rfcChallenges(t)
	h := ntPasswordHash(rfcPassword)
	hh := hashNTPasswordHash(h)
	nt := ntResponse(auth, peer, rfcUser, h)
	mk := masterKey(hh, nt)
	check(t, "MasterKey", mk[:], "FD EC E3 71 7A 8C 83 8C B3 88 E5 27 AE 3C DD 31")
	send := asymmetricStartKey(mk, magicClientReceive)
	check(t, "SendStartKey128", send[:], "8B 7C DC 14 9B 99 3A 1B A1 18 CB 15 3F 56 DC CB")

	// strongSwan's layout: MasterReceiveKey | MasterSendKey | 32 zeros,
	// named from the server's side.
	m := msk(hh, nt)
	recv := asymmetricStartKey(mk, magicClientSend)
	if len(m) != MSKLen || !bytes.Equal(m[:16], recv[:]) || !bytes.Equal(m[16:32], send[:]) || !bytes.Equal(m[32:], make([]byte, 32)) {
		t.Error("MSK layout mismatch")
	}
	if bytes.Equal(recv[:], send[:]) {
		t.Error("send and receive keys equal")
	}
}

func TestDomainPrefix(t *testing.T) {
	// RFC 2759 §8.2: the domain is not part of the challenge hash.
	auth, peer := rfcChallenges(t)
	if challengeHash(peer, auth, `EXAMPLE\User`) != challengeHash(peer, auth, rfcUser) {
		t.Error("domain prefix hashed")
	}
	if userNameForHash(`A\B\C`) != `B\C` {
		t.Error("cut at the wrong backslash")
	}
}

func TestUnicodePassword(t *testing.T) {
	// RFC 2759 §8.3 hashes the password as UTF-16LE: "é" is E9 00 and
	// "𝄞" (outside the BMP) a surrogate pair.
	want := md4Sum(kat.Hex(t, "7000 E900 34D8 1EDD"))
	if ntPasswordHash("p\u00e9\U0001D11E") != want {
		t.Error("UTF-16LE encoding mismatch")
	}
}
