// Package auth implements IKEv2 authentication (RFC 7296 §2.15): the octets
// each side signs, the shared-key MAC, RSA and ECDSA signatures (RFC 7296
// §3.8, RFC 4754) and RFC 7427 Digital Signatures, verification of the
// gateway's certificate chain, identity matching between ID payloads,
// configuration and certificates, and the NAT detection hashes (§2.23).
//
// Failures wrap one of the sentinel errors below, so the GUI can turn them
// into sentences with errors.Is.
package auth

import "errors"

var (
	// ErrAuthFailed: the peer's AUTH payload does not verify (wrong
	// pre-shared key, wrong private key, or an altered exchange).
	ErrAuthFailed = errors.New("authentication failed")
	// ErrUnsupportedMethod: an authentication method or signature
	// algorithm this implementation does not accept.
	ErrUnsupportedMethod = errors.New("unsupported authentication method")
	// ErrMalformed: AUTH data, a signature algorithm identifier or a
	// notify body that cannot be parsed.
	ErrMalformed = errors.New("malformed authentication data")
	// ErrCertUntrusted: the certificate does not chain to a configured CA.
	ErrCertUntrusted = errors.New("certificate not trusted")
	// ErrCertExpired: a certificate of the chain is past its NotAfter.
	ErrCertExpired = errors.New("certificate expired")
	// ErrCertNotYetValid: a certificate of the chain is before its
	// NotBefore (often a wrong clock).
	ErrCertNotYetValid = errors.New("certificate not yet valid")
	// ErrCertKeyUsage: the certificate is not meant for IKE signatures.
	ErrCertKeyUsage = errors.New("certificate not valid for IKE authentication")
	// ErrIdentityMismatch: the identity the peer claims is not the one
	// configured, or its certificate does not carry it.
	ErrIdentityMismatch = errors.New("identity mismatch")
)
