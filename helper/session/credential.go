package session

import (
	"errors"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
)

// CredentialError reports that this computer's own certificate or key,
// as the profile gives them, cannot be used: a PKCS#12 file that does not
// open with its password, a key that is not the certificate's, a
// certificate outside its validity or not meant for IKE, or data that is
// not a certificate or key at all. Err wraps the sentinel of
// ipsec/ike/creds or ipsec/ike/auth that says which. The profile, or the
// file it names, must change first, so it is permanent.
type CredentialError struct {
	Err error
}

func (e *CredentialError) Error() string {
	return "this computer's certificate or key: " + e.Err.Error()
}

// Unwrap returns the reason.
func (e *CredentialError) Unwrap() error { return e.Err }

// Permanent reports true.
func (e *CredentialError) Permanent() bool { return true }

// FailureCode implements Coder: the sentinels of the gateway's
// certificate checks mean this computer's certificate here.
func (e *CredentialError) FailureCode() api.FailureCode {
	switch {
	case errors.Is(e.Err, creds.ErrWrongPassword):
		return api.FailureP12Password
	case errors.Is(e.Err, creds.ErrKeyMismatch):
		return api.FailureKeyMismatch
	case errors.Is(e.Err, auth.ErrCertExpired):
		return api.FailureLocalCertExpired
	case errors.Is(e.Err, auth.ErrCertNotYetValid):
		return api.FailureLocalCertNotYetValid
	case errors.Is(e.Err, auth.ErrCertKeyUsage):
		return api.FailureLocalCertKeyUsage
	}
	return api.FailureCredentials
}

// loadCredential loads a certificate profile's own certificate and key
// (a PKCS#12 bundle when the profile has one, else the cert and key PEM)
// once per attempt, and checks them at now for what the gateway would
// refuse, so that such a problem is told as this computer's (a wrong
// PKCS#12 password, a key of another certificate, an expired
// certificate) before anything is sent, rather than as a refusal by the
// gateway, or not at all. Files named by path are read at every attempt,
// so a renewed certificate takes effect at the next one. Whether the
// gateway trusts the certificate's issuer cannot be known here, so only
// its validity and key usage are checked (RFC 4945 §5.1.3.2,
// §5.1.3.12). It returns nil for a profile that authenticates otherwise.
func loadCredential(p *profile.Profile, now time.Time) (*creds.Credential, error) {
	if !p.Auth.UsesCert() {
		return nil, nil
	}
	c, err := p.Credential()
	if err != nil {
		return nil, &CredentialError{Err: err}
	}
	err = c.Check(nil, now)
	if errors.Is(err, auth.ErrCertExpired) || errors.Is(err, auth.ErrCertNotYetValid) || errors.Is(err, auth.ErrCertKeyUsage) {
		return nil, &CredentialError{Err: err}
	}
	return c, nil
}
