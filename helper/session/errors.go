package session

import (
	"errors"
	"fmt"

	"github.com/espressovpn/espresso/helper/api"
)

// PermanentError is a failure that dialling again cannot fix: a wrong key,
// a certificate the gateway does not trust, no common proposal, a profile
// the helper cannot use. The manager (helper/conn) does not retry it.
type PermanentError struct{ Err error }

// Permanent wraps err as a PermanentError; nil stays nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &PermanentError{Err: err}
}

func (e *PermanentError) Error() string { return e.Err.Error() }

// Unwrap returns the failure.
func (e *PermanentError) Unwrap() error { return e.Err }

// Permanent tells the manager not to retry.
func (e *PermanentError) Permanent() bool { return true }

// ProfileError reports a profile field the session cannot use as given.
type ProfileError struct {
	Field  string
	Reason string
}

func (e *ProfileError) Error() string {
	return fmt.Sprintf("profile %s: %s", e.Field, e.Reason)
}

// Permanent reports true: the profile must be edited first.
func (e *ProfileError) Permanent() bool { return true }

// ErrTimeout is returned by Dial when the negotiation did not finish within
// Options.Timeout.
var ErrTimeout = WithCode(api.FailureTimeout, errors.New("the gateway did not complete the negotiation in time"))

// ErrClosed is the Err of a Session ended by Close.
var ErrClosed = errors.New("session closed")
