package main

import (
	"errors"

	"github.com/espressovpn/espresso/helper/api"
)

// Exit statuses.
const (
	exitOK          = 0
	exitFail        = 1
	exitUsage       = 2 // also a profile that is missing or invalid
	exitNotRunning  = 3
	exitDenied      = 4
	exitAuth        = 5
	exitUnreachable = 6
	exitOverlap     = 7
)

// exitCodes lists the statuses for `help exit-codes` and the man page.
var exitCodes = []struct {
	code int
	text string
}{
	{exitOK, "success; for up, the tunnel is established and the system configured"},
	{exitFail, "any other failure; the message says what"},
	{exitUsage, "a bad command line, or a bad profile: no such profile, or one the helper refuses (a wrong key, a certificate or key that cannot be used)"},
	{exitNotRunning, "the Espresso helper is not running"},
	{exitDenied, "access to the helper denied: run as root or join the \"" + api.GroupName + "\" group"},
	{exitAuth, "authentication failed: the gateway refused the credentials, or failed to prove its own identity"},
	{exitUnreachable, "the gateway is unreachable: nothing answered, its name did not resolve, or the negotiation timed out"},
	{exitOverlap, "another active connection already routes networks of this profile: take it down first, or use up --replace"},
}

// exitCode classifies err, from the API's error codes and, for a failed
// connection, its failure code.
func exitCode(err error) int {
	var ae *api.Error
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		return exitUsage
	case errors.Is(err, api.ErrHelperNotRunning):
		return exitNotRunning
	case errors.Is(err, api.ErrAccessDenied):
		return exitDenied
	case !errors.As(err, &ae):
		return exitFail
	}
	switch ae.Code {
	case api.CodeForbidden:
		return exitDenied
	case api.CodeInvalidProfile, api.CodeNotFound:
		return exitUsage
	case api.CodeConnectFailed:
	default:
		return exitFail
	}
	switch ae.ErrorCode {
	case api.FailureAuthLocal, api.FailureAuthIdentities, api.FailureAuthGateway,
		api.FailureEAPRejected, api.FailureEAPMethod:
		return exitAuth
	case api.FailurePeerUnreachable, api.FailureDNS, api.FailureTimeout:
		return exitUnreachable
	case api.FailureP12Password, api.FailureKeyMismatch, api.FailureCredentials:
		return exitUsage
	case api.FailureNetworksOverlap:
		return exitOverlap
	}
	return exitFail
}
