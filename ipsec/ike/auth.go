package ike

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"io"
	"math/big"
	"slices"

	"github.com/espressovpn/espresso/ipsec/ike/keymat"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// keyPad is the constant of the shared-key AUTH computation (RFC 7296 §2.15).
const keyPad = "Key Pad for IKEv2"

// signedOctets returns what an AUTH payload covers (RFC 7296 §2.15): the
// sender's first message (IKE_SA_INIT), the peer's nonce, and prf(SK_p,
// IDx') with IDx' the sender's ID payload body.
func signedOctets(prf keymat.PRF, msg, peerNonce, skp []byte, id wire.Identity) []byte {
	body, _ := id.AppendBody(nil)
	mac := prf.Sum(skp, body)
	out := make([]byte, 0, len(msg)+len(peerNonce)+len(mac))
	return append(append(append(out, msg...), peerNonce...), mac...)
}

// pskAuth returns prf(prf(Shared Secret, "Key Pad for IKEv2"), octets)
// (RFC 7296 §2.15).
func pskAuth(prf keymat.PRF, psk, octets []byte) []byte {
	k := prf.Sum(psk, []byte(keyPad))
	defer clear(k)
	return prf.Sum(k, octets)
}

// checkPSKAuth compares in constant time.
func checkPSKAuth(prf keymat.PRF, psk, octets, got []byte) bool {
	return hmac.Equal(pskAuth(prf, psk, octets), got)
}

// Object identifiers of RFC 7427 Appendix A and RFC 4055.
var (
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}
	oidRSAPSS        = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	oidMGF1          = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}
	oidECDSASHA256   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSASHA384   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSASHA512   = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
	oidEd25519       = asn1.ObjectIdentifier{1, 3, 101, 112}
	oidSHA256        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512        = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}
)

// pssParams is RSASSA-PSS-params (RFC 4055 §3.1); the trailer field keeps
// its default.
type pssParams struct {
	Hash       pkix.AlgorithmIdentifier `asn1:"explicit,tag:0"`
	MGF        pkix.AlgorithmIdentifier `asn1:"explicit,tag:1"`
	SaltLength int                      `asn1:"explicit,tag:2"`
}

var hashOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.SHA256: oidSHA256, crypto.SHA384: oidSHA384, crypto.SHA512: oidSHA512,
}

var hashOfIKE = map[wire.HashAlgorithm]crypto.Hash{
	wire.HashSHA2_256: crypto.SHA256, wire.HashSHA2_384: crypto.SHA384, wire.HashSHA2_512: crypto.SHA512,
}

// supportedHashes is what we announce in SIGNATURE_HASH_ALGORITHMS
// (RFC 7427 §4), strongest last as strongSwan lists them.
var supportedHashes = []wire.HashAlgorithm{wire.HashSHA2_256, wire.HashSHA2_384, wire.HashSHA2_512, wire.HashIdentity}

// pssAlgorithm encodes the AlgorithmIdentifier of RSASSA-PSS with h, MGF1
// with h and a salt as long as the hash (RFC 7427 Appendix A.4.3).
func pssAlgorithm(h crypto.Hash) ([]byte, error) {
	null := asn1.RawValue{Tag: asn1.TagNull}
	hid := pkix.AlgorithmIdentifier{Algorithm: hashOIDs[h], Parameters: null}
	hidDER, err := asn1.Marshal(hid)
	if err != nil {
		return nil, err
	}
	params, err := asn1.Marshal(pssParams{
		Hash:       hid,
		MGF:        pkix.AlgorithmIdentifier{Algorithm: oidMGF1, Parameters: asn1.RawValue{FullBytes: hidDER}},
		SaltLength: h.Size(),
	})
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: oidRSAPSS, Parameters: asn1.RawValue{FullBytes: params}})
}

// signAuth signs octets with key. With peer hashes (the peer sent
// SIGNATURE_HASH_ALGORITHMS) it uses RFC 7427 Digital Signature; otherwise
// the classic method of the key type (RFC 7296 §3.8, RFC 4754).
func signAuth(key crypto.Signer, octets []byte, peerHashes []wire.HashAlgorithm, pss bool, rand io.Reader) (wire.AuthMethod, []byte, error) {
	pick := func(pref ...crypto.Hash) (crypto.Hash, bool) {
		for _, h := range pref {
			for ih, ch := range hashOfIKE {
				if ch == h && slices.Contains(peerHashes, ih) {
					return h, true
				}
			}
		}
		return 0, false
	}
	digest := func(h crypto.Hash) []byte {
		w := h.New()
		w.Write(octets)
		return w.Sum(nil)
	}
	switch pub := key.Public().(type) {
	case *rsa.PublicKey:
		h, ok := pick(crypto.SHA256, crypto.SHA384, crypto.SHA512)
		if !ok {
			// RFC 7296 §3.8 method 1: PKCS#1 v1.5 over SHA-1, the only
			// RSA method a peer without RFC 7427 knows.
			w := crypto.SHA1.New()
			w.Write(octets)
			sig, err := key.Sign(rand, w.Sum(nil), crypto.SHA1)
			return wire.AuthRSASignature, sig, err
		}
		var alg []byte
		var opts crypto.SignerOpts = h
		var err error
		if pss {
			alg, err = pssAlgorithm(h)
			opts = &rsa.PSSOptions{SaltLength: h.Size(), Hash: h}
		} else {
			oid := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: oidSHA256WithRSA, crypto.SHA384: oidSHA384WithRSA, crypto.SHA512: oidSHA512WithRSA}[h]
			alg, err = asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: oid, Parameters: asn1.RawValue{Tag: asn1.TagNull}})
		}
		if err != nil {
			return 0, nil, err
		}
		sig, err := key.Sign(rand, digest(h), opts)
		return wire.AuthDigitalSignature, digitalSignature(alg, sig), err
	case *ecdsa.PublicKey:
		h, classic, oid := crypto.SHA256, wire.AuthECDSASHA256P256, oidECDSASHA256
		switch pub.Curve {
		case elliptic.P384():
			h, classic, oid = crypto.SHA384, wire.AuthECDSASHA384P384, oidECDSASHA384
		case elliptic.P521():
			h, classic, oid = crypto.SHA512, wire.AuthECDSASHA512P521, oidECDSASHA512
		}
		sig, err := key.Sign(rand, digest(h), h)
		if err != nil {
			return 0, nil, err
		}
		if _, ok := pick(h); ok {
			alg, err := asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: oid})
			return wire.AuthDigitalSignature, digitalSignature(alg, sig), err
		}
		// RFC 4754 §7: r and s as fixed-length integers.
		var es struct{ R, S *big.Int }
		if _, err := asn1.Unmarshal(sig, &es); err != nil {
			return 0, nil, err
		}
		n := (pub.Curve.Params().BitSize + 7) / 8
		out := make([]byte, 2*n)
		es.R.FillBytes(out[:n])
		es.S.FillBytes(out[n:])
		return classic, out, nil
	case ed25519.PublicKey:
		if !slices.Contains(peerHashes, wire.HashIdentity) {
			return 0, nil, errors.New("ike: the peer does not accept Ed25519 signatures (RFC 8420)")
		}
		sig, err := key.Sign(rand, octets, crypto.Hash(0))
		alg, _ := asn1.Marshal(pkix.AlgorithmIdentifier{Algorithm: oidEd25519})
		return wire.AuthDigitalSignature, digitalSignature(alg, sig), err
	}
	return 0, nil, fmt.Errorf("ike: unsupported private key %T", key.Public())
}

// digitalSignature lays out the AUTH data of RFC 7427 §3: the length of
// the AlgorithmIdentifier, the AlgorithmIdentifier, the signature.
func digitalSignature(alg, sig []byte) []byte {
	out := make([]byte, 0, 1+len(alg)+len(sig))
	return append(append(append(out, byte(len(alg))), alg...), sig...)
}

// errBadSignature is wrapped by verifyAuth for a signature that does not
// verify; other errors name what could not even be checked.
var errBadSignature = errors.New("signature does not verify")

// verifyAuth checks a signature AUTH payload against the peer's public key.
func verifyAuth(pub crypto.PublicKey, a *wire.Authentication, octets []byte) error {
	digest := func(h crypto.Hash) []byte {
		w := h.New()
		w.Write(octets)
		return w.Sum(nil)
	}
	bad := func(err error) error {
		if err != nil {
			return fmt.Errorf("%w (%v)", errBadSignature, a.Method)
		}
		return nil
	}
	switch a.Method {
	case wire.AuthRSASignature:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("RSA signature from a %T key", pub)
		}
		return bad(rsa.VerifyPKCS1v15(k, crypto.SHA1, digest(crypto.SHA1), a.Data))
	case wire.AuthECDSASHA256P256, wire.AuthECDSASHA384P384, wire.AuthECDSASHA512P521:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok {
			return fmt.Errorf("ECDSA signature from a %T key", pub)
		}
		h := map[wire.AuthMethod]crypto.Hash{wire.AuthECDSASHA256P256: crypto.SHA256, wire.AuthECDSASHA384P384: crypto.SHA384, wire.AuthECDSASHA512P521: crypto.SHA512}[a.Method]
		n := len(a.Data) / 2
		if n == 0 || len(a.Data)%2 != 0 {
			return bad(errBadSignature)
		}
		r, s := new(big.Int).SetBytes(a.Data[:n]), new(big.Int).SetBytes(a.Data[n:])
		if !ecdsa.Verify(k, digest(h), r, s) {
			return bad(errBadSignature)
		}
		return nil
	case wire.AuthDigitalSignature:
		return verifyDigitalSignature(pub, a.Data, octets, digest)
	}
	return fmt.Errorf("unsupported authentication method %v", a.Method)
}

// verifyDigitalSignature checks RFC 7427 AUTH data.
func verifyDigitalSignature(pub crypto.PublicKey, data, octets []byte, digest func(crypto.Hash) []byte) error {
	if len(data) < 1 || len(data) < 1+int(data[0]) {
		return fmt.Errorf("%w: truncated RFC 7427 signature", errBadSignature)
	}
	algDER, sig := data[1:1+int(data[0])], data[1+int(data[0]):]
	var alg pkix.AlgorithmIdentifier
	if rest, err := asn1.Unmarshal(algDER, &alg); err != nil || len(rest) != 0 {
		return fmt.Errorf("%w: bad AlgorithmIdentifier", errBadSignature)
	}
	fail := fmt.Errorf("%w (%v)", errBadSignature, alg.Algorithm)
	rsaHash := map[string]crypto.Hash{oidSHA256WithRSA.String(): crypto.SHA256, oidSHA384WithRSA.String(): crypto.SHA384, oidSHA512WithRSA.String(): crypto.SHA512}
	ecHash := map[string]crypto.Hash{oidECDSASHA256.String(): crypto.SHA256, oidECDSASHA384.String(): crypto.SHA384, oidECDSASHA512.String(): crypto.SHA512}
	switch o := alg.Algorithm.String(); {
	case rsaHash[o] != 0:
		k, ok := pub.(*rsa.PublicKey)
		if !ok || rsa.VerifyPKCS1v15(k, rsaHash[o], digest(rsaHash[o]), sig) != nil {
			return fail
		}
		return nil
	case o == oidRSAPSS.String():
		k, ok := pub.(*rsa.PublicKey)
		var p pssParams
		if !ok {
			return fail
		}
		if rest, err := asn1.Unmarshal(alg.Parameters.FullBytes, &p); err != nil || len(rest) != 0 {
			return fmt.Errorf("%w: bad RSASSA-PSS parameters", errBadSignature)
		}
		var h crypto.Hash
		for ch, oid := range hashOIDs {
			if oid.Equal(p.Hash.Algorithm) {
				h = ch
			}
		}
		if h == 0 || !p.MGF.Algorithm.Equal(oidMGF1) {
			return fmt.Errorf("%w: unsupported RSASSA-PSS parameters", errBadSignature)
		}
		if rsa.VerifyPSS(k, h, digest(h), sig, &rsa.PSSOptions{SaltLength: p.SaltLength, Hash: h}) != nil {
			return fail
		}
		return nil
	case ecHash[o] != 0:
		k, ok := pub.(*ecdsa.PublicKey)
		if !ok || !ecdsa.VerifyASN1(k, digest(ecHash[o]), sig) {
			return fail
		}
		return nil
	case o == oidEd25519.String():
		k, ok := pub.(ed25519.PublicKey)
		if !ok || !ed25519.Verify(k, octets, sig) {
			return fail
		}
		return nil
	}
	return fmt.Errorf("%w: unsupported signature algorithm %v", errBadSignature, alg.Algorithm)
}
