package mschapv2

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
)

// Error codes of a Failure packet (RFC 2759 §6).
const (
	ErrorRestrictedLogonHours = 646
	ErrorAccountDisabled      = 647
	ErrorPasswordExpired      = 648
	ErrorNoDialinPermission   = 649
	ErrorAuthenticationFailed = 691
	ErrorChangingPassword     = 709
)

// FailureError is a Failure the authenticator sent (RFC 2759 §6):
// "E=eeeeeeeeee R=r C=cccccccccccccccccccccccccccccccc V=vvvvvvvvvv M=<msg>".
// It matches eap.ErrRejected; Code tells a wrong password (691) from a
// disabled account or an expired password.
type FailureError struct {
	Code      int
	Retriable bool
	Message   string
}

// Error implements error.
func (e *FailureError) Error() string {
	s := fmt.Sprintf("%v: MSCHAPv2 error %d (%s)", eap.ErrRejected, e.Code, e.reason())
	if e.Message != "" {
		s += ": " + strconv.Quote(e.Message)
	}
	return s
}

func (e *FailureError) reason() string {
	switch e.Code {
	case ErrorRestrictedLogonHours:
		return "logon hours restricted"
	case ErrorAccountDisabled:
		return "account disabled"
	case ErrorPasswordExpired:
		return "password expired"
	case ErrorNoDialinPermission:
		return "no dial-in permission"
	case ErrorAuthenticationFailed:
		return "wrong user name or password"
	case ErrorChangingPassword:
		return "password change failed"
	}
	return "unknown error"
}

// Is makes errors.Is(err, eap.ErrRejected) true.
func (e *FailureError) Is(target error) bool { return target == eap.ErrRejected }

// parseFailure reads the text of a Failure Request. Fields are separated by
// spaces, and M= runs to the end (RFC 2759 §6). A missing or unreadable E=
// counts as 691, the generic refusal.
func parseFailure(body []byte) *FailureError {
	e := &FailureError{Code: ErrorAuthenticationFailed}
	s := string(body)
	if i := strings.Index(s, "M="); i >= 0 {
		e.Message, s = printable(s[i+2:]), s[:i]
	}
	for _, f := range strings.Fields(s) {
		switch {
		case strings.HasPrefix(f, "E="):
			if n, err := strconv.Atoi(f[2:]); err == nil {
				e.Code = n
			}
		case strings.HasPrefix(f, "R="):
			e.Retriable = f[2:] == "1"
		}
	}
	return e
}

// printable keeps a gateway's message from carrying control characters
// into logs and the GUI.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, strings.TrimRight(s, "\x00"))
}
