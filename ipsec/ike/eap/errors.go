package eap

import (
	"errors"
	"fmt"
)

// Sentinel errors; every failure of this package and of the methods wraps
// one of them.
var (
	// ErrMalformed: a packet that violates its format (RFC 3748 §4, or the
	// method's own).
	ErrMalformed = errors.New("eap: malformed packet")
	// ErrRejected: the authenticator refused our credentials (a wrong
	// password, an unknown user, a client certificate it does not trust).
	ErrRejected = errors.New("eap: authentication rejected")
	// ErrMethodNotSupported: the authenticator asked only for methods we
	// do not have, or refused every method we offered.
	ErrMethodNotSupported = errors.New("eap: method not supported")
	// ErrAuthenticatorUnproven: the authenticator failed the method's
	// proof of its own identity (the MSCHAPv2 authenticator response, the
	// EAP-TLS server's certificate).
	ErrAuthenticatorUnproven = errors.New("eap: the authenticator failed to prove its identity")
	// ErrUnexpected: a packet that is well formed but out of place, such as
	// a Success before the method has finished (RFC 3748 §4.2) or a
	// different method once one has started (§2.1).
	ErrUnexpected = errors.New("eap: unexpected packet")
	// ErrMethodFailed: the method broke off for a reason that is neither
	// side's credentials, such as a TLS handshake without a common version
	// or cipher suite.
	ErrMethodFailed = errors.New("eap: method failed")
	// ErrNoMSK: the method derives no Master Session Key; IKEv2 then uses
	// SK_pi and SK_pr for the AUTH payloads (RFC 7296 §2.16).
	ErrNoMSK = errors.New("eap: method produces no MSK")
)

// UnsupportedError reports that the authenticator gave up after we refused
// the methods it asked for with a Nak.
type UnsupportedError struct {
	// Requested are the method types the authenticator asked for.
	Requested []Type
	// Offered are the types our Nak proposed.
	Offered []Type
}

// Error implements error.
func (e *UnsupportedError) Error() string {
	return fmt.Sprintf("eap: the gateway asked for %v, we offered %v", e.Requested, e.Offered)
}

// Is makes errors.Is(err, ErrMethodNotSupported) true.
func (e *UnsupportedError) Is(target error) bool { return target == ErrMethodNotSupported }

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}
