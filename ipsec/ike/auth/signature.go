package auth

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// SignOptions choose the algorithm of an RFC 7427 signature.
type SignOptions struct {
	// Hash is the digest, normally from ChooseHash over the peer's
	// SIGNATURE_HASH_ALGORITHMS.
	Hash crypto.Hash
	// PSS selects RSASSA-PSS (salt as long as the hash) for RSA keys.
	PSS bool
}

// ecdsaMethod maps the RFC 4754 methods to their curve and hash.
func ecdsaMethod(m wire.AuthMethod) (elliptic.Curve, crypto.Hash, bool) {
	switch m {
	case wire.AuthECDSASHA256P256:
		return elliptic.P256(), crypto.SHA256, true
	case wire.AuthECDSASHA384P384:
		return elliptic.P384(), crypto.SHA384, true
	case wire.AuthECDSASHA512P521:
		return elliptic.P521(), crypto.SHA512, true
	}
	return nil, 0, false
}

func digest(h crypto.Hash, octets []byte) ([]byte, error) {
	if !h.Available() {
		return nil, fmt.Errorf("%w: hash %v", ErrUnsupportedMethod, h)
	}
	d := h.New()
	d.Write(octets)
	return d.Sum(nil), nil
}

// Sign returns the AUTH data of a signature method over octets. It supports
// AuthDigitalSignature (RFC 7427 §3: length of the AlgorithmIdentifier, the
// identifier, the signature) with RSA, ECDSA and Ed25519 keys (RFC 8420:
// Hash 0, the octets signed as they are), the ECDSA methods 9, 10 and 11 of
// RFC 4754 with a key on the method's curve, and the RSA method 1 (PKCS#1
// v1.5 over SHA-1, RFC 7296 §3.8), which RFC 8247 §3.2 keeps mandatory for
// peers without RFC 7427; Choose picks it only for such a peer.
func Sign(rand io.Reader, key crypto.Signer, method wire.AuthMethod, opts SignOptions, octets []byte) ([]byte, error) {
	if curve, h, ok := ecdsaMethod(method); ok {
		pub, isEC := key.Public().(*ecdsa.PublicKey)
		if !isEC || pub.Curve != curve {
			return nil, fmt.Errorf("%w: %v needs an ECDSA key on %s", ErrUnsupportedMethod, method, curve.Params().Name)
		}
		d, _ := digest(h, octets)
		der, err := key.Sign(rand, d, h)
		if err != nil {
			return nil, fmt.Errorf("ike auth: sign: %w", err)
		}
		return derToRS(der, (curve.Params().BitSize+7)/8)
	}
	if method == wire.AuthRSASignature {
		if _, isRSA := key.Public().(*rsa.PublicKey); !isRSA {
			return nil, fmt.Errorf("%w: %v needs an RSA key", ErrUnsupportedMethod, method)
		}
		d := sha1.Sum(octets)
		sig, err := key.Sign(rand, d[:], crypto.SHA1)
		if err != nil {
			return nil, fmt.Errorf("ike auth: sign: %w", err)
		}
		return sig, nil
	}
	if method != wire.AuthDigitalSignature {
		return nil, fmt.Errorf("%w: signing with %v", ErrUnsupportedMethod, method)
	}
	alg := SignatureAlgorithm{Hash: opts.Hash}
	var signOpts crypto.SignerOpts = opts.Hash
	switch key.Public().(type) {
	case ed25519.PublicKey:
		alg = SignatureAlgorithm{Key: KeyEd25519}
		signOpts = crypto.Hash(0)
	case *rsa.PublicKey:
		alg.Key = KeyRSA
		if opts.PSS {
			alg.PSS, alg.SaltLength = true, opts.Hash.Size()
			signOpts = &rsa.PSSOptions{SaltLength: rsa.PSSSaltLengthEqualsHash, Hash: opts.Hash}
		}
	case *ecdsa.PublicKey:
		alg.Key = KeyECDSA
	default:
		return nil, fmt.Errorf("%w: key type %T", ErrUnsupportedMethod, key.Public())
	}
	id, err := MarshalAlgorithmIdentifier(alg)
	if err != nil {
		return nil, err
	}
	d := octets
	if alg.Key != KeyEd25519 {
		if d, err = digest(opts.Hash, octets); err != nil {
			return nil, err
		}
	}
	sig, err := key.Sign(rand, d, signOpts)
	if err != nil {
		return nil, fmt.Errorf("ike auth: sign: %w", err)
	}
	out := make([]byte, 0, 1+len(id)+len(sig))
	out = append(out, byte(len(id)))
	out = append(out, id...)
	return append(out, sig...), nil
}

// CheckMethod refuses AuthRSASignature (RSASSA-PKCS1-v1_5 with SHA-1)
// from a peer that announced RFC 7427 hash algorithms (peerHashes, from
// its SIGNATURE_HASH_ALGORITHMS notify): such a peer can sign with a SHA-2
// hash, and RFC 8247 §3.2 keeps method 1 only for peers that cannot.
// Accepting it anyway would let whoever can forge a SHA-1 signature pass
// as the peer whatever both sides support. The refusal wraps
// ErrUnsupportedMethod.
func CheckMethod(method wire.AuthMethod, peerHashes []wire.HashAlgorithm) error {
	if method == wire.AuthRSASignature && len(peerHashes) > 0 {
		return fmt.Errorf("%w: %v (SHA-1) from a peer that announced RFC 7427 hash algorithms", ErrUnsupportedMethod, method)
	}
	return nil
}

// Verify checks the AUTH data of a signature method against the signer's
// public key (from its verified certificate). Accepted: AuthDigitalSignature
// with the algorithms of ParseAlgorithmIdentifier, the ECDSA methods of RFC
// 4754, and, for legacy gateways, AuthRSASignature (RSASSA-PKCS1-v1_5 with
// SHA-1, RFC 7296 §3.8). A signature that does not verify wraps
// ErrAuthFailed.
func Verify(pub crypto.PublicKey, method wire.AuthMethod, octets, authData []byte) error {
	if curve, h, ok := ecdsaMethod(method); ok {
		k, isEC := pub.(*ecdsa.PublicKey)
		if !isEC || k.Curve != curve {
			return fmt.Errorf("ike auth: %v with a key that is not on %s: %w", method, curve.Params().Name, ErrAuthFailed)
		}
		n := (curve.Params().BitSize + 7) / 8
		if len(authData) != 2*n {
			return fmt.Errorf("%w: %v signature of %d octets", ErrMalformed, method, len(authData))
		}
		d, _ := digest(h, octets)
		r, s := new(big.Int).SetBytes(authData[:n]), new(big.Int).SetBytes(authData[n:])
		if !ecdsa.Verify(k, d, r, s) {
			return fmt.Errorf("ike auth: %v signature: %w", method, ErrAuthFailed)
		}
		return nil
	}
	switch method {
	case wire.AuthRSASignature:
		k, ok := pub.(*rsa.PublicKey)
		if !ok {
			return fmt.Errorf("ike auth: RSA signature with a %T key: %w", pub, ErrAuthFailed)
		}
		d := sha1.Sum(octets)
		if err := rsa.VerifyPKCS1v15(k, crypto.SHA1, d[:], authData); err != nil {
			return fmt.Errorf("ike auth: RSA signature: %w", ErrAuthFailed)
		}
		return nil
	case wire.AuthDigitalSignature:
		return verifyDigital(pub, octets, authData)
	}
	return fmt.Errorf("%w: %v", ErrUnsupportedMethod, method)
}

// verifyDigital checks RFC 7427 §3 AUTH data.
func verifyDigital(pub crypto.PublicKey, octets, authData []byte) error {
	if len(authData) < 1 || int(authData[0])+1 > len(authData) {
		return fmt.Errorf("%w: digital signature AUTH data of %d octets", ErrMalformed, len(authData))
	}
	n := int(authData[0])
	alg, err := ParseAlgorithmIdentifier(authData[1 : 1+n])
	if err != nil {
		return err
	}
	sig := authData[1+n:]
	if alg.Key == KeyEd25519 {
		k, ok := pub.(ed25519.PublicKey)
		if !ok || !ed25519.Verify(k, octets, sig) {
			return fmt.Errorf("ike auth: %v signature: %w", alg, ErrAuthFailed)
		}
		return nil
	}
	d, err := digest(alg.Hash, octets)
	if err != nil {
		return err
	}
	switch k := pub.(type) {
	case *rsa.PublicKey:
		if alg.Key != KeyRSA {
			break
		}
		if alg.PSS {
			err = rsa.VerifyPSS(k, alg.Hash, d, sig, &rsa.PSSOptions{SaltLength: alg.SaltLength, Hash: alg.Hash})
		} else {
			err = rsa.VerifyPKCS1v15(k, alg.Hash, d, sig)
		}
		if err != nil {
			return fmt.Errorf("ike auth: %v signature: %w", alg, ErrAuthFailed)
		}
		return nil
	case *ecdsa.PublicKey:
		if alg.Key != KeyECDSA {
			break
		}
		if !ecdsa.VerifyASN1(k, d, sig) {
			return fmt.Errorf("ike auth: %v signature: %w", alg, ErrAuthFailed)
		}
		return nil
	}
	return fmt.Errorf("ike auth: %v signature with a %T key: %w", alg, pub, ErrAuthFailed)
}

// derToRS converts an ASN.1 ECDSA-Sig-Value to the fixed-size r | s of RFC
// 4754 §7.
func derToRS(der []byte, n int) ([]byte, error) {
	var sig struct{ R, S *big.Int }
	if rest, err := asn1.Unmarshal(der, &sig); err != nil || len(rest) != 0 {
		return nil, fmt.Errorf("ike auth: signer returned a malformed ECDSA signature")
	}
	if sig.R.Sign() <= 0 || sig.S.Sign() <= 0 || sig.R.BitLen() > 8*n || sig.S.BitLen() > 8*n {
		return nil, fmt.Errorf("ike auth: signer returned an out-of-range ECDSA signature")
	}
	out := make([]byte, 2*n)
	sig.R.FillBytes(out[:n])
	sig.S.FillBytes(out[n:])
	return out, nil
}
