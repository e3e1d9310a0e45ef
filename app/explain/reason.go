package explain

import (
	"strings"

	"github.com/espressovpn/espresso/helper/api"
)

// Reason is the kind of a failed connection attempt: from the helper's
// failure code, or as far as the app can tell from its text.
type Reason int

// Reasons a connection fails.
const (
	// ReasonUnknown: the text matches nothing known.
	ReasonUnknown Reason = iota
	// ReasonAuthFailed: the gateway refused our credentials
	// (AUTHENTICATION_FAILED, RFC 7296 §3.10.1, or an EAP failure).
	ReasonAuthFailed
	// ReasonCertUntrusted: the gateway's certificate does not chain to the
	// profile's CA.
	ReasonCertUntrusted
	// ReasonIdentityMismatch: the gateway proved an identity other than the
	// expected one.
	ReasonIdentityMismatch
	// ReasonNoProposal: the gateway accepted none of our proposals
	// (NO_PROPOSAL_CHOSEN).
	ReasonNoProposal
	// ReasonUnreachable: the gateway did not answer.
	ReasonUnreachable
	// ReasonNameNotFound: the gateway's name did not resolve.
	ReasonNameNotFound
	// ReasonTSUnacceptable: the gateway refused our traffic selectors
	// (TS_UNACCEPTABLE).
	ReasonTSUnacceptable
	// ReasonNoVirtualIP: the gateway assigned no address
	// (INTERNAL_ADDRESS_FAILURE).
	ReasonNoVirtualIP
	// ReasonConfigInvalid: the gateway assigned a virtual IP or DNS
	// server that is not a unicast address.
	ReasonConfigInvalid
	// ReasonEAPRejected: the gateway refused the EAP credentials: the
	// password, or the certificate inside EAP-TLS.
	ReasonEAPRejected
	// ReasonEAPMethod: the gateway wants an EAP method the profile does
	// not use.
	ReasonEAPMethod
	// ReasonGatewayAuth: the gateway failed to prove its identity.
	ReasonGatewayAuth
	// ReasonCertExpired: the gateway's certificate has expired.
	ReasonCertExpired
	// ReasonCertNotYetValid: the gateway's certificate is not valid yet.
	ReasonCertNotYetValid
	// ReasonCertKeyUsage: the gateway's certificate may not sign for IKE.
	ReasonCertKeyUsage
	// ReasonTimeout: the negotiation did not finish in time.
	ReasonTimeout
	// ReasonGatewayClosed: the gateway ended the connection.
	ReasonGatewayClosed
	// ReasonKillSwitch: the kill switch could not block, so nothing was
	// started.
	ReasonKillSwitch
	// ReasonSystemConfig: this computer could not be configured for the
	// tunnel.
	ReasonSystemConfig
	// ReasonUnavailable: the helper cannot connect at all.
	ReasonUnavailable
	// ReasonLocalCertExpired: this computer's own certificate has
	// expired.
	ReasonLocalCertExpired
	// ReasonLocalCertNotYetValid: this computer's own certificate is not
	// valid yet.
	ReasonLocalCertNotYetValid
	// ReasonLocalCertKeyUsage: this computer's own certificate may not
	// sign for IKE.
	ReasonLocalCertKeyUsage
	// ReasonP12Password: the PKCS#12 file does not open with the
	// profile's password for it.
	ReasonP12Password
	// ReasonKeyMismatch: the profile's private key is not its
	// certificate's.
	ReasonKeyMismatch
	// ReasonCredentials: the profile's certificates or key cannot be
	// read.
	ReasonCredentials
	// ReasonPasswordTimeout: the helper asked for the password and nobody
	// answered in time.
	ReasonPasswordTimeout
	// ReasonPasswordCancelled: the user cancelled the password prompt.
	ReasonPasswordCancelled
	// ReasonAuthIdentities: the gateway answered AUTHENTICATION_FAILED to
	// a request that named the gateway's identity: that identity, ours or
	// the credentials may be wrong.
	ReasonAuthIdentities
	// ReasonRekeyFailed: renewing the tunnel's keys (a Child SA rekey)
	// failed; the text names the notify.
	ReasonRekeyFailed
	// ReasonKeyExchange: the gateway's part of a key exchange was
	// unusable.
	ReasonKeyExchange
)

// codes maps the helper's failure codes to reasons. FailureInternal is
// absent on purpose: its text may still say more (Classify).
var codes = map[api.FailureCode]Reason{
	api.FailureAuthLocal:        ReasonAuthFailed,
	api.FailureAuthIdentities:   ReasonAuthIdentities,
	api.FailureAuthGateway:      ReasonGatewayAuth,
	api.FailureEAPRejected:      ReasonEAPRejected,
	api.FailureEAPMethod:        ReasonEAPMethod,
	api.FailureNoProposal:       ReasonNoProposal,
	api.FailureTSUnacceptable:   ReasonTSUnacceptable,
	api.FailureConfigRefused:    ReasonNoVirtualIP,
	api.FailureConfigInvalid:    ReasonConfigInvalid,
	api.FailurePeerUnreachable:  ReasonUnreachable,
	api.FailureTimeout:          ReasonTimeout,
	api.FailureDNS:              ReasonNameNotFound,
	api.FailureCertUntrusted:    ReasonCertUntrusted,
	api.FailureCertExpired:      ReasonCertExpired,
	api.FailureCertNotYetValid:  ReasonCertNotYetValid,
	api.FailureCertKeyUsage:     ReasonCertKeyUsage,
	api.FailureIdentityMismatch: ReasonIdentityMismatch,
	api.FailureGatewayClosed:    ReasonGatewayClosed,
	api.FailureRekeyFailed:      ReasonRekeyFailed,
	api.FailureKeyExchange:      ReasonKeyExchange,
	api.FailureKillSwitch:       ReasonKillSwitch,
	api.FailureSystemConfig:     ReasonSystemConfig,
	api.FailureUnavailable:      ReasonUnavailable,

	api.FailureLocalCertExpired:     ReasonLocalCertExpired,
	api.FailureLocalCertNotYetValid: ReasonLocalCertNotYetValid,
	api.FailureLocalCertKeyUsage:    ReasonLocalCertKeyUsage,
	api.FailureP12Password:          ReasonP12Password,
	api.FailureKeyMismatch:          ReasonKeyMismatch,
	api.FailureCredentials:          ReasonCredentials,
	api.FailurePasswordTimeout:      ReasonPasswordTimeout,
	api.FailurePasswordCancelled:    ReasonPasswordCancelled,
}

// FromCode returns the reason of a helper's failure code, ReasonUnknown
// for an empty code (a helper older than the codes), FailureInternal and
// a code newer than this app.
func FromCode(code api.FailureCode) Reason {
	return codes[code]
}

// Decide returns the reason of a failure: by its code first, and by its
// text only when the code says nothing (ReasonUnknown from FromCode).
func Decide(code api.FailureCode, text string) Reason {
	if r := FromCode(code); r != ReasonUnknown {
		return r
	}
	return Classify(text)
}

// rule maps phrases to a reason. The order matters: a certificate or
// identity problem is often reported as an authentication failure too, and
// a failed name lookup may mention a timeout, so the precise rules come
// first.
var rules = []struct {
	reason  Reason
	phrases []string
}{
	{ReasonP12Password, []string{"wrong password for the pkcs#12"}},
	{ReasonKeyMismatch, []string{"private key does not belong to the certificate"}},
	{ReasonCertExpired, []string{"certificate expired", "certificate has expired"}},
	{ReasonCertNotYetValid, []string{"not yet valid"}},
	{ReasonCertUntrusted, []string{"not signed by", "untrusted", "not trusted", "unknown ca", "unknown authority",
		"no trusted", "certificate verif", "no issuer", "trust chain"}},
	{ReasonIdentityMismatch, []string{"identity mismatch", "id mismatch", "does not match the remote id",
		"remote identity", "unexpected identity"}},
	{ReasonRekeyFailed, []string{"rekey of child sa", "after a failed rekey"}},
	{ReasonNoProposal, []string{"no_proposal_chosen", "no proposal chosen", "no acceptable proposal"}},
	{ReasonTSUnacceptable, []string{"ts_unacceptable", "traffic selectors unacceptable"}},
	{ReasonNoVirtualIP, []string{"internal_address_failure", "no virtual ip", "no internal address"}},
	{ReasonNameNotFound, []string{"no such host", "could not resolve", "cannot resolve", "name resolution", "lookup "}},
	{ReasonAuthIdentities, []string{"(authentication_failed) as idi"}},
	{ReasonAuthFailed, []string{"authentication_failed", "authentication failed", "auth failed", "eap_failure",
		"eap failure", "wrong password", "bad password", "invalid password", "password rejected"}},
	{ReasonTimeout, []string{"did not complete the negotiation in time"}},
	{ReasonUnreachable, []string{"no response", "not responding", "timeout", "timed out", "unreachable",
		"retransmit", "no answer", "connection refused"}},
}

// Classify returns the reason a helper's failure text describes; it is
// the fallback for helpers that send no failure code.
func Classify(text string) Reason {
	t := strings.ToLower(text)
	for _, r := range rules {
		for _, p := range r.phrases {
			if strings.Contains(t, p) {
				return r.reason
			}
		}
	}
	return ReasonUnknown
}
