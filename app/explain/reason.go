package explain

import "strings"

// Reason is the kind of a failed connection attempt, as far as the app can
// tell from the helper's text.
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
)

// rule maps phrases to a reason. The order matters: a certificate or
// identity problem is often reported as an authentication failure too, and
// a failed name lookup may mention a timeout, so the precise rules come
// first.
var rules = []struct {
	reason  Reason
	phrases []string
}{
	{ReasonCertUntrusted, []string{"not signed by", "untrusted", "not trusted", "unknown ca", "unknown authority",
		"no trusted", "certificate verif", "no issuer", "trust chain"}},
	{ReasonIdentityMismatch, []string{"identity mismatch", "id mismatch", "does not match the remote id",
		"remote identity", "unexpected identity"}},
	{ReasonNoProposal, []string{"no_proposal_chosen", "no proposal chosen", "no acceptable proposal"}},
	{ReasonTSUnacceptable, []string{"ts_unacceptable", "traffic selectors unacceptable"}},
	{ReasonNoVirtualIP, []string{"internal_address_failure", "no virtual ip", "no internal address"}},
	{ReasonNameNotFound, []string{"no such host", "could not resolve", "cannot resolve", "name resolution", "lookup "}},
	{ReasonAuthFailed, []string{"authentication_failed", "authentication failed", "auth failed", "eap_failure",
		"eap failure", "wrong password", "bad password", "invalid password", "password rejected"}},
	{ReasonUnreachable, []string{"no response", "not responding", "timeout", "timed out", "unreachable",
		"retransmit", "no answer", "connection refused"}},
}

// Classify returns the reason a helper's failure text describes.
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
