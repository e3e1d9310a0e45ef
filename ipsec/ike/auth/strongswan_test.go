package auth

import (
	"bytes"
	"crypto/rsa"
	"crypto/x509"
	"encoding/binary"
	"errors"
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/ike/keymat"
	"github.com/espressovpn/espresso/ipsec/ike/sk"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// The pre-shared key of the capture's throwaway test network.
const capturePSK = "harness-psk-0123456789"

var gcm128 = suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}

func prfSHA256(t testing.TB) keymat.PRF {
	t.Helper()
	p, err := keymat.NewPRF(suite.PRFHMACSHA2_256)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// nonces returns the Nonce Data of the IKE_SA_INIT request and response.
func nonces(t testing.TB, msgs [][]byte) (ni, nr []byte) {
	t.Helper()
	ni = kat.Find(t, kat.Payloads(t, msgs[0][16], msgs[0][28:]), kat.Nonce)
	nr = kat.Find(t, kat.Payloads(t, msgs[1][16], msgs[1][28:]), kat.Nonce)
	return ni, nr
}

// The octets and shared-key MACs of both sides of the PSK exchange (RFC 7296
// §2.15) equal the ones strongSwan logged.
func TestSharedKeyMatchesStrongSwan(t *testing.T) {
	psk := kat.Values(t, "psk")
	prf := prfSHA256(t)
	msgs := kat.IKEMessages(t, "psk")
	ni, nr := nonces(t, msgs)

	octI := SignedOctets(prf, psk["sk_pi"], msgs[0], nr, wire.RFC822Identity("psk-client@example.test"))
	if !bytes.Equal(octI, psk["octets_i"]) {
		t.Fatal("initiator octets mismatch")
	}
	octR := SignedOctets(prf, psk["sk_pr"], msgs[1], ni, wire.FQDNIdentity("gw.example.test"))
	if !bytes.Equal(octR, psk["octets_r"]) {
		t.Fatal("responder octets mismatch")
	}
	if !bytes.Equal(SharedKeyMAC(prf, []byte(capturePSK), octI), psk["auth_i"]) {
		t.Fatal("initiator AUTH mismatch")
	}
	if err := VerifySharedKeyMAC(prf, []byte(capturePSK), octR, psk["auth_r"]); err != nil {
		t.Fatal(err)
	}
	if err := VerifySharedKeyMAC(prf, []byte("wrong-psk"), octR, psk["auth_r"]); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("wrong key: err = %v, want ErrAuthFailed", err)
	}
	if err := VerifySharedKeyMAC(prf, []byte(capturePSK), octI, psk["auth_r"]); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("other octets: err = %v, want ErrAuthFailed", err)
	}
}

// openAuth decrypts and joins the two fragments of an IKE_AUTH message of
// the certificate capture.
func openAuth(t testing.TB, key []byte, frags [][]byte) []kat.Payload {
	t.Helper()
	c, err := sk.New(gcm128, suite.Transform{}, key, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	var whole []byte
	var first byte
	for i, m := range frags {
		s := kat.FindSealed(t, m)
		pt, err := c.Open(s.Head, s.Body)
		if err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			first = s.First
		}
		whole = append(whole, pt...)
	}
	return kat.Payloads(t, first, whole)
}

// The gateway's RFC 7427 RSA-3072 signature and the client's verify over the
// octets strongSwan logged; the gateway's certificate chains to the CA and
// carries the gateway's identity.
func TestCertificateExchangeMatchesStrongSwan(t *testing.T) {
	cert := kat.Values(t, "cert")
	prf := prfSHA256(t)
	msgs := kat.IKEMessages(t, "cert")
	ni, nr := nonces(t, msgs)
	gw, client, ca := kat.Certificate(t, "gw.crt"), kat.Certificate(t, "client.crt"), kat.Certificate(t, "ca.crt")

	for _, side := range []struct {
		name         string
		key, skp     []byte
		frags        [][]byte
		idType       byte
		msg, nonce   []byte
		octets       []byte
		cert         *x509.Certificate
		configuredID string
	}{
		{"gateway", cert["sk_er"], cert["sk_pr"], msgs[4:6], kat.IDr, msgs[1], ni, cert["octets_r"], gw, "gw.example.test"},
		{"client", cert["sk_ei"], cert["sk_pi"], msgs[2:4], kat.IDi, msgs[0], nr, cert["octets_i"], client, "client@example.test"},
	} {
		t.Run(side.name, func(t *testing.T) {
			ps := openAuth(t, side.key, side.frags)
			idBody := kat.Find(t, ps, side.idType)
			id := wire.Identity{IDType: wire.IDType(idBody[0]), Data: idBody[4:]}
			octets := SignedOctets(prf, side.skp, side.msg, side.nonce, id)
			if !bytes.Equal(octets, side.octets) {
				t.Fatal("octets mismatch")
			}
			certBody := kat.Find(t, ps, kat.CERT)
			if certBody[0] != 4 { // X.509 Certificate - Signature, RFC 7296 §3.6
				t.Fatalf("certificate encoding %d", certBody[0])
			}
			if !bytes.Equal(certBody[1:], side.cert.Raw) {
				t.Fatal("CERT payload is not the expected certificate")
			}
			authBody := kat.Find(t, ps, kat.AUTH)
			method := wire.AuthMethod(authBody[0])
			if method != wire.AuthDigitalSignature {
				t.Fatalf("auth method %v", method)
			}
			alg, err := ParseAlgorithmIdentifier(authBody[5 : 5+int(authBody[4])])
			if err != nil {
				t.Fatal(err)
			}
			if alg.Key != KeyRSA || alg.PSS || alg.Hash.Size() != 32 {
				t.Fatalf("algorithm %v, strongSwan logged RSA_EMSA_PKCS1_SHA2_256", alg)
			}
			if err := Verify(side.cert.PublicKey, method, octets, authBody[4:]); err != nil {
				t.Fatal(err)
			}
			bad := bytes.Clone(octets)
			bad[len(bad)-1] ^= 1
			if err := Verify(side.cert.PublicKey, method, bad, authBody[4:]); !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("altered octets: err = %v, want ErrAuthFailed", err)
			}
			other := client
			if side.cert == client {
				other = gw
			}
			if err := Verify(other.PublicKey, method, octets, authBody[4:]); !errors.Is(err, ErrAuthFailed) {
				t.Fatalf("other key: err = %v, want ErrAuthFailed", err)
			}

			configured, err := ParseIdentity(side.configuredID)
			if err != nil {
				t.Fatal(err)
			}
			if err := MatchIdentity(configured, id); err != nil {
				t.Fatal(err)
			}
			if err := MatchCertificate(id, side.cert); err != nil {
				t.Fatal(err)
			}
			roots := x509.NewCertPool()
			roots.AddCert(ca)
			// The certificates were issued on the day of the capture, valid
			// for five years; check at a fixed time inside that window so
			// the test does not depend on the clock.
			if err := VerifyChain(side.cert, nil, roots, time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)); err != nil {
				t.Fatal(err)
			}
		})
	}
	if _, ok := gw.PublicKey.(*rsa.PublicKey); !ok || gw.PublicKey.(*rsa.PublicKey).N.BitLen() != 3072 {
		t.Fatal("gateway key is not RSA-3072")
	}
}

func TestChainErrors(t *testing.T) {
	gw, ca := kat.Certificate(t, "gw.crt"), kat.Certificate(t, "ca.crt")
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	for _, tc := range []struct {
		name  string
		roots *x509.CertPool
		at    time.Time
		want  error
	}{
		{"expired", roots, gw.NotAfter.Add(time.Hour), ErrCertExpired},
		{"not yet valid", roots, gw.NotBefore.Add(-time.Hour), ErrCertNotYetValid},
		{"unknown CA", x509.NewCertPool(), gw.NotBefore.Add(time.Hour), ErrCertUntrusted},
		{"leaf as its own root", func() *x509.CertPool { p := x509.NewCertPool(); p.AddCert(kat.Certificate(t, "client.crt")); return p }(), gw.NotBefore.Add(time.Hour), ErrCertUntrusted},
	} {
		err := VerifyChain(gw, nil, tc.roots, tc.at)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	// A CA certificate (keyCertSign only) may not sign IKE authentications.
	if err := VerifyChain(ca, nil, roots, ca.NotBefore.Add(time.Hour)); !errors.Is(err, ErrCertKeyUsage) {
		t.Errorf("CA as leaf: err = %v, want ErrCertKeyUsage", err)
	}
}

// The NAT detection chunks and hashes strongSwan logged (RFC 7296 §2.23).
func TestNATDetectionMatchesStrongSwan(t *testing.T) {
	psk := kat.Values(t, "psk")
	for i := range 4 {
		chunk := psk["natd_chunk_"+string(rune('0'+i))]
		want := psk["natd_hash_"+string(rune('0'+i))]
		if len(chunk) != 22 {
			t.Fatalf("chunk %d of %d bytes", i, len(chunk))
		}
		addr := netip.AddrPortFrom(netip.AddrFrom4([4]byte(chunk[16:20])), binary.BigEndian.Uint16(chunk[20:]))
		got := NATDetectionHash(binary.BigEndian.Uint64(chunk), binary.BigEndian.Uint64(chunk[8:]), addr)
		if !bytes.Equal(got[:], want) {
			t.Errorf("hash %d mismatch", i)
		}
	}
	a := NATDetectionHash(1, 2, netip.MustParseAddrPort("[2001:db8::1]:4500"))
	b := NATDetectionHash(1, 2, netip.MustParseAddrPort("[2001:db8::1]:500"))
	if a == b {
		t.Error("port does not enter the hash")
	}
}

// strongSwan's SIGNATURE_HASH_ALGORITHMS notify from the capture.
func TestHashAlgorithmsFromStrongSwan(t *testing.T) {
	msgs := kat.IKEMessages(t, "psk")
	var data []byte
	for _, p := range kat.Payloads(t, msgs[1][16], msgs[1][28:]) {
		if p.Type == kat.N && binary.BigEndian.Uint16(p.Body[2:]) == 16431 {
			data = p.Body[4:]
		}
	}
	hs, err := wire.NewNotify(wire.SignatureHashAlgorithms, data).HashAlgorithms()
	if err != nil {
		t.Fatal(err)
	}
	want := []wire.HashAlgorithm{wire.HashSHA2_256, wire.HashSHA2_384, wire.HashSHA2_512, wire.HashIdentity}
	if len(hs) != len(want) {
		t.Fatalf("got %v, want %v", hs, want)
	}
	for i := range want {
		if hs[i] != want[i] {
			t.Fatalf("got %v, want %v", hs, want)
		}
	}
	if h, ok := ChooseHash(hs); !ok || h.Size() != 32 {
		t.Fatalf("ChooseHash = %v, %v", h, ok)
	}
	if !bytes.Equal(wire.NewSignatureHashAlgorithms(want...).Data, data) {
		t.Fatal("encoding differs from strongSwan's")
	}
}
