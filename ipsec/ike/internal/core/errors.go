package core

import (
	"errors"
	"fmt"
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// Sentinel errors a caller branches on with errors.Is; the typed errors
// below match them and carry the details.
var (
	// ErrAuthFailed: authentication failed, ours (the peer refused our AUTH)
	// or the peer's (its AUTH did not verify). See *AuthError.
	ErrAuthFailed = errors.New("ike: authentication failed")
	// ErrNoProposalChosen: no proposal acceptable to both sides.
	ErrNoProposalChosen = errors.New("ike: no proposal chosen")
	// ErrTSUnacceptable: the traffic selectors were refused or the peer's
	// were not a subset of ours (RFC 7296 §2.9).
	ErrTSUnacceptable = errors.New("ike: traffic selectors unacceptable")
	// ErrPeerUnreachable: a request went unanswered after every retransmit
	// (RFC 7296 §2.4).
	ErrPeerUnreachable = errors.New("ike: peer unreachable")
	// ErrCertNotTrusted: the peer's certificate chain does not lead to a
	// configured CA, has expired or is not yet valid, or is not meant for
	// IKE. See *CertificateError: errors.Is with auth.ErrCertUntrusted,
	// auth.ErrCertExpired, auth.ErrCertNotYetValid or auth.ErrCertKeyUsage
	// tells which.
	ErrCertNotTrusted = errors.New("ike: certificate not trusted")
	// ErrIdentityMismatch: the peer's identity is not the one configured,
	// or its certificate does not hold it.
	ErrIdentityMismatch = errors.New("ike: identity mismatch")
	// ErrClosed: the Conn was closed.
	ErrClosed = errors.New("ike: closed")
	// ErrDeleted: the peer deleted the IKE SA.
	ErrDeleted = errors.New("ike: IKE SA deleted by the peer")
	// ErrConfigRefused: the peer could not honour the configuration request
	// (FAILED_CP_REQUIRED, INTERNAL_ADDRESS_FAILURE).
	ErrConfigRefused = errors.New("ike: configuration request refused")
	// ErrCredentialsRejected: the gateway refused our EAP credentials, a
	// wrong user name or password or a client certificate it does not
	// accept. See *EAPError; it also matches ErrAuthFailed.
	ErrCredentialsRejected = errors.New("ike: the gateway rejected our credentials")
	// ErrIdentitiesRejected: the gateway answered AUTHENTICATION_FAILED to
	// an IKE_AUTH request that named the identity we want it to have
	// (IDr). See *IdentitiesRejectedError; it also matches ErrAuthFailed.
	ErrIdentitiesRejected = errors.New("ike: the gateway rejected our identities or credentials")
	// ErrKeyExchange: the peer's part of a key exchange was unusable: a
	// method not negotiated, key exchange data of the wrong size or not a
	// valid key, or an additional key exchange out of order (RFC 9370).
	// See *KeyExchangeError.
	ErrKeyExchange = errors.New("ike: key exchange failed")
)

// KeyExchangeError reports a key exchange the peer got wrong: Exchange is
// the exchange it happened in, Method the method due (0 when none was),
// Reason what was wrong.
type KeyExchangeError struct {
	Exchange wire.ExchangeType
	Method   suite.TransformID
	Reason   string
}

func (e *KeyExchangeError) Error() string {
	if e.Method == 0 {
		return fmt.Sprintf("ike: %s: %s", e.Exchange, e.Reason)
	}
	return fmt.Sprintf("ike: %s: key exchange %s: %s", e.Exchange, suite.KEName(e.Method), e.Reason)
}

// Is makes errors.Is(err, ErrKeyExchange) true.
func (e *KeyExchangeError) Is(target error) bool { return target == ErrKeyExchange }

// AuthError reports a failed authentication. Local is true when the peer
// rejected our authentication (it sent AUTHENTICATION_FAILED: a wrong
// pre-shared key or a certificate it does not trust), false when the peer's
// authentication failed our checks.
type AuthError struct {
	Local  bool
	Reason string
	// Err is the underlying failure, when there is one: an auth or eap
	// package error.
	Err error
}

func (e *AuthError) Error() string {
	if e.Local {
		return "ike: the peer rejected our authentication: " + e.Reason
	}
	return "ike: the peer's authentication failed: " + e.Reason
}

// Is makes errors.Is(err, ErrAuthFailed) true.
func (e *AuthError) Is(target error) bool { return target == ErrAuthFailed }

// Unwrap returns the underlying failure, so that errors.Is also reaches
// the auth and eap packages' sentinels.
func (e *AuthError) Unwrap() error { return e.Err }

// IdentitiesRejectedError reports AUTHENTICATION_FAILED in answer to an
// IKE_AUTH request that carried IDr. A responder picks its configuration
// by the identities of the request (RFC 7296 §3.5: IDr names which of its
// identities the initiator wants to talk to), and answers a pair it has no
// configuration for with the same notify as a wrong key or an untrusted
// certificate (§2.21.2 gives no finer reason), so the gateway's identity is
// as likely a cause as our credentials. Local and Remote are the IDi and
// IDr we sent, as strongSwan writes identities.
type IdentitiesRejectedError struct {
	Local, Remote string
}

func (e *IdentitiesRejectedError) Error() string {
	return fmt.Sprintf("ike: the gateway refused our authentication (AUTHENTICATION_FAILED) as IDi %q for IDr %q", e.Local, e.Remote)
}

// Is makes errors.Is match ErrIdentitiesRejected and ErrAuthFailed.
func (e *IdentitiesRejectedError) Is(target error) bool {
	return target == ErrIdentitiesRejected || target == ErrAuthFailed
}

// NoProposalError reports that no proposal was acceptable; Child tells
// whether it was the Child SA's (ESP) proposals rather than the IKE SA's.
type NoProposalError struct {
	Child  bool
	Offers string
}

func (e *NoProposalError) Error() string {
	what := "IKE"
	if e.Child {
		what = "ESP"
	}
	if e.Offers == "" {
		return fmt.Sprintf("ike: no %s proposal chosen", what)
	}
	return fmt.Sprintf("ike: no %s proposal chosen (offered %s)", what, e.Offers)
}

// Is makes errors.Is(err, ErrNoProposalChosen) true.
func (e *NoProposalError) Is(target error) bool { return target == ErrNoProposalChosen }

// PeerUnreachableError reports a request the peer never answered.
type PeerUnreachableError struct {
	Exchange wire.ExchangeType
	Tries    int
	// Peer is the address and port the request went to.
	Peer netip.AddrPort
	// Unreachable is how many of the transmissions an ICMP destination
	// unreachable came back for (Conn.Unreachable).
	Unreachable int
}

func (e *PeerUnreachableError) Error() string {
	if e.Unreachable > 0 {
		return fmt.Sprintf("ike: nothing answers IKE at %v: %d of %d transmissions of %v answered with ICMP unreachable",
			e.Peer, e.Unreachable, e.Tries, e.Exchange)
	}
	if e.Peer.IsValid() {
		return fmt.Sprintf("ike: no answer from %v to %v after %d transmissions", e.Peer, e.Exchange, e.Tries)
	}
	return fmt.Sprintf("ike: no answer to %v after %d transmissions", e.Exchange, e.Tries)
}

// Is makes errors.Is(err, ErrPeerUnreachable) true.
func (e *PeerUnreachableError) Is(target error) bool { return target == ErrPeerUnreachable }

// CertificateError reports a peer certificate that could not be trusted.
// Err wraps the reason's sentinel of package auth: ErrCertUntrusted,
// ErrCertExpired, ErrCertNotYetValid or ErrCertKeyUsage.
type CertificateError struct {
	Err error
}

func (e *CertificateError) Error() string {
	return "ike: peer certificate refused: " + e.Err.Error()
}

// Unwrap returns the verification error, so that errors.Is reaches auth's
// sentinel.
func (e *CertificateError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrCertNotTrusted) true.
func (e *CertificateError) Is(target error) bool { return target == ErrCertNotTrusted }

// IdentityMismatchError reports a peer identity other than the configured
// one, or one its certificate does not hold.
type IdentityMismatchError struct {
	Want, Got string
	// InCert is true when the identity matched but the certificate does not
	// certify it.
	InCert bool
	// Err is auth's error, wrapping auth.ErrIdentityMismatch.
	Err error
}

func (e *IdentityMismatchError) Error() string {
	if e.InCert {
		return fmt.Sprintf("ike: the peer's certificate does not hold its identity %s", e.Got)
	}
	return fmt.Sprintf("ike: peer identity %s, expected %s", e.Got, e.Want)
}

// Is makes errors.Is(err, ErrIdentityMismatch) true.
func (e *IdentityMismatchError) Is(target error) bool { return target == ErrIdentityMismatch }

// Unwrap returns auth's error.
func (e *IdentityMismatchError) Unwrap() error { return e.Err }

// NotifyError reports an error notify the peer answered with that has no
// more specific error (RFC 7296 §3.10.1).
type NotifyError struct {
	Exchange wire.ExchangeType
	Type     wire.NotifyType
}

func (e *NotifyError) Error() string {
	return fmt.Sprintf("ike: peer answered %v with %v", e.Exchange, e.Type)
}

// Is maps the notify types that have a sentinel onto it.
func (e *NotifyError) Is(target error) bool {
	switch e.Type {
	case wire.TSUnacceptable, wire.SinglePairRequired:
		return target == ErrTSUnacceptable
	case wire.NoProposalChosen:
		return target == ErrNoProposalChosen
	case wire.AuthenticationFailed:
		return target == ErrAuthFailed
	case wire.FailedCPRequired, wire.InternalAddressFailure:
		return target == ErrConfigRefused
	}
	return false
}

// errorFromNotify turns an error notify in a response into the error a
// caller branches on.
func errorFromNotify(ex wire.ExchangeType, n *wire.Notify, child bool) error {
	switch n.NotifyType {
	case wire.AuthenticationFailed:
		return &AuthError{Local: true, Reason: "AUTHENTICATION_FAILED"}
	case wire.NoProposalChosen:
		return &NoProposalError{Child: child}
	}
	return &NotifyError{Exchange: ex, Type: n.NotifyType}
}

// EAPError reports a failed EAP conversation inside IKE_AUTH (RFC 7296
// §2.16). Err wraps one of package eap's sentinels: eap.ErrRejected when
// the gateway refused our credentials (for EAP-MSCHAPv2 a
// *mschapv2.FailureError, whose Code 691 is a wrong password),
// eap.ErrAuthenticatorUnproven when the gateway failed the method's proof
// of itself (with auth's certificate sentinel when EAP-TLS refused its
// server certificate), eap.ErrMethodNotSupported, eap.ErrMethodFailed,
// eap.ErrUnexpected or eap.ErrMalformed.
type EAPError struct {
	// Method is the EAP method that ran, 0 if none had started.
	Method eap.Type
	Err    error
}

func (e *EAPError) Error() string {
	m := "EAP"
	if e.Method != 0 {
		m = e.Method.String()
	}
	if errors.Is(e.Err, eap.ErrRejected) {
		return fmt.Sprintf("ike: the gateway rejected our %s credentials: %v", m, e.Err)
	}
	return fmt.Sprintf("ike: %s failed: %v", m, e.Err)
}

// Unwrap returns the conversation's error.
func (e *EAPError) Unwrap() error { return e.Err }

// Is makes errors.Is match ErrCertNotTrusted when the gateway's
// certificate was refused inside the method, ErrAuthFailed otherwise, and
// ErrCredentialsRejected when the gateway refused our credentials.
func (e *EAPError) Is(target error) bool {
	cert := errors.Is(e.Err, auth.ErrCertUntrusted) || errors.Is(e.Err, auth.ErrCertExpired) ||
		errors.Is(e.Err, auth.ErrCertNotYetValid) || errors.Is(e.Err, auth.ErrCertKeyUsage)
	switch target {
	case ErrCertNotTrusted:
		return cert
	case ErrAuthFailed:
		return !cert
	case ErrCredentialsRejected:
		return errors.Is(e.Err, eap.ErrRejected)
	}
	return false
}

// UnauthenticatedError reports a failure whose reason came in a message
// nobody authenticated: an error notify in an IKE_SA_INIT response (RFC
// 7296 §2.21.1), which anyone who saw our SPI can forge from anywhere.
// The exchange waited for a valid answer until its retransmissions ran
// out (Unanswered) and then gave up with the reason noted last (Err), so
// a real refusal still reads as one. Since a forger can produce it, a
// caller must not take it for a lasting verdict: dialling again may
// succeed. errors.Is and errors.As reach Err.
type UnauthenticatedError struct {
	Err error
	// Unanswered is the request's giving up, nil when the exchange ended
	// on the unauthenticated message itself (too many COOKIE or
	// INVALID_KE_PAYLOAD answers).
	Unanswered *PeerUnreachableError
}

func (e *UnauthenticatedError) Error() string {
	if e.Unanswered == nil {
		return fmt.Sprintf("%v (unauthenticated answer)", e.Err)
	}
	return fmt.Sprintf("%v (unauthenticated answer; no valid one after %d transmissions of %v)",
		e.Err, e.Unanswered.Tries, e.Unanswered.Exchange)
}

// Unwrap returns the reason noted.
func (e *UnauthenticatedError) Unwrap() error { return e.Err }

// Unauthenticated reports true: nothing proved the reason genuine.
func (e *UnauthenticatedError) Unauthenticated() bool { return true }
