package session

import (
	"errors"
	"net"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/platform"
)

// Every error a Dial or a Conn returns is coded here, below the seam:
// the manager asks Code for its failure code and whether dialling again
// can help, and never looks at the errors of ipsec/ike or platform.

// Coder is implemented by an error that knows its failure code. An error
// whose code the typed errors of ipsec/ike and platform do not say (a
// negotiation that ran out of time, a prompt nobody answered) is one, or
// wraps one; CodedError is a ready-made Coder.
type Coder interface {
	FailureCode() api.FailureCode
}

// CodedError is an error with the failure code it is shown as.
type CodedError struct {
	Code api.FailureCode
	Err  error
}

// WithCode returns err with code attached; nil stays nil. errors.Is and
// errors.As still reach err.
func WithCode(code api.FailureCode, err error) error {
	if err == nil {
		return nil
	}
	return &CodedError{Code: code, Err: err}
}

func (e *CodedError) Error() string { return e.Err.Error() }

// Unwrap returns the error.
func (e *CodedError) Unwrap() error { return e.Err }

// FailureCode implements Coder.
func (e *CodedError) FailureCode() api.FailureCode { return e.Code }

// Code returns the failure code of err, empty for nil, and whether
// dialling again cannot fix it: permanent is err's own Permanent method
// (PermanentError, ProfileError, CredentialError), not that of an error
// it wraps, so that a wrapper decides for what it wraps. A failure whose
// reason nobody authenticated (ike.UnauthenticatedError) is never
// permanent, whatever wraps it.
func Code(err error) (code api.FailureCode, permanent bool) {
	if p, ok := err.(interface{ Permanent() bool }); ok {
		permanent = p.Permanent() && !unauthenticated(err)
	}
	return failureCode(err), permanent
}

// unauthenticated tells whether err, or an error it wraps, reports a
// reason that came in a message nobody authenticated: anyone who saw the
// exchange could have forged it (RFC 7296 §2.21.1).
func unauthenticated(err error) bool {
	var u interface{ Unauthenticated() bool }
	return errors.As(err, &u) && u.Unauthenticated()
}

// failureCode classifies err. An explicit Coder wins (CredentialError
// tells this computer's certificate problems from the gateway's); then
// the typed errors of ipsec/ike, its creds, auth and eap packages and
// platform decide, the more precise first: a certificate refused inside
// EAP-TLS is a certificate problem before it is an EAP one, and a refused
// EAP password is an authentication failure that says which credential
// was wrong.
func failureCode(err error) api.FailureCode {
	if err == nil {
		return ""
	}
	var coder Coder
	if errors.As(err, &coder) {
		return coder.FailureCode()
	}
	var authErr *ike.AuthError
	var dnsErr *net.DNSError
	var ksErr *platform.KillSwitchError
	var peerTS *platform.PeerSelectorError
	var cfgErr *platform.ConfigError
	var overlap *platform.OverlapError
	var replyErr *ike.ConfigReplyError
	switch {
	// This computer's own credentials, as the session loaded them.
	case errors.Is(err, creds.ErrWrongPassword):
		return api.FailureP12Password
	case errors.Is(err, creds.ErrKeyMismatch):
		return api.FailureKeyMismatch
	case errors.Is(err, creds.ErrNoCertificate), errors.Is(err, creds.ErrNoKey), errors.Is(err, creds.ErrEncryptedKey),
		errors.Is(err, creds.ErrUnsupportedKey), errors.Is(err, creds.ErrMalformed):
		return api.FailureCredentials
	// The peer's certificate chain (RFC 7296 §3.6), also inside EAP-TLS.
	case errors.Is(err, auth.ErrCertExpired):
		return api.FailureCertExpired
	case errors.Is(err, auth.ErrCertNotYetValid):
		return api.FailureCertNotYetValid
	case errors.Is(err, auth.ErrCertKeyUsage):
		return api.FailureCertKeyUsage
	case errors.Is(err, auth.ErrCertUntrusted), errors.Is(err, ike.ErrCertNotTrusted):
		return api.FailureCertUntrusted
	case errors.Is(err, ike.ErrIdentityMismatch), errors.Is(err, auth.ErrIdentityMismatch):
		return api.FailureIdentityMismatch
	// EAP inside IKE_AUTH (RFC 7296 §2.16).
	case errors.Is(err, eap.ErrRejected), errors.Is(err, ike.ErrCredentialsRejected):
		return api.FailureEAPRejected
	case errors.Is(err, eap.ErrMethodNotSupported):
		return api.FailureEAPMethod
	case errors.Is(err, eap.ErrAuthenticatorUnproven):
		return api.FailureAuthGateway
	// AUTHENTICATION_FAILED from the gateway to a request that named the
	// gateway's identity: its identity, ours or our credentials.
	case errors.Is(err, ike.ErrIdentitiesRejected):
		return api.FailureAuthIdentities
	// AUTHENTICATION_FAILED from the gateway, or its AUTH failing ours.
	case errors.As(err, &authErr):
		if authErr.Local {
			return api.FailureAuthLocal
		}
		return api.FailureAuthGateway
	case errors.Is(err, ike.ErrAuthFailed):
		// A bare AUTHENTICATION_FAILED notify (RFC 7296 §3.10.1): the
		// gateway refused us.
		return api.FailureAuthLocal
	// A refused rekey, before the proposal and selector errors it may
	// name: the tunnel came up, only its new keys did not.
	case errors.Is(err, ike.ErrRekeyFailed):
		return api.FailureRekeyFailed
	// The gateway's key share or additional key exchange (RFC 9370) was
	// unusable. Not permanent (it is not in permanentErrs): the gateway
	// may do better on the next attempt, which comes with back-off.
	case errors.Is(err, ike.ErrKeyExchange):
		return api.FailureKeyExchange
	case errors.Is(err, ike.ErrNoProposalChosen):
		return api.FailureNoProposal
	case errors.Is(err, ike.ErrTSUnacceptable):
		return api.FailureTSUnacceptable
	case errors.Is(err, ike.ErrConfigRefused):
		return api.FailureConfigRefused
	case errors.As(err, &replyErr):
		return api.FailureConfigInvalid
	case errors.Is(err, ike.ErrPeerUnreachable):
		return api.FailurePeerUnreachable
	case errors.Is(err, ike.ErrDeleted):
		return api.FailureGatewayClosed
	case errors.As(err, &dnsErr):
		return api.FailureDNS
	case errors.As(err, &ksErr):
		return api.FailureKillSwitch
	case errors.As(err, &overlap):
		return api.FailureNetworksOverlap
	case errors.As(err, &peerTS), errors.As(err, &cfgErr):
		return api.FailureSystemConfig
	case errors.Is(err, ErrUnavailable):
		return api.FailureUnavailable
	}
	return api.FailureInternal
}
