package session

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/mschapv2"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/platform"
)

// wrapped stands for the wrappers a session adds (PermanentError,
// fmt.Errorf with %w).
type wrapped struct{ err error }

func (w wrapped) Error() string { return "permanent: " + w.err.Error() }
func (w wrapped) Unwrap() error { return w.err }

func TestCode(t *testing.T) {
	certErr := func(sentinel error) error {
		return &ike.CertificateError{Err: fmt.Errorf("%w: x509 says no", sentinel)}
	}
	tests := []struct {
		name string
		err  error
		want api.FailureCode
	}{
		{"nil", nil, ""},
		{"gateway refused our PSK", &ike.AuthError{Local: true, Reason: "AUTHENTICATION_FAILED"}, api.FailureAuthLocal},
		{"gateway refused our identities", fmt.Errorf("ike auth: %w", &ike.IdentitiesRejectedError{Local: "client@example.test", Remote: "gw.example.test"}), api.FailureAuthIdentities},
		{"bare AUTHENTICATION_FAILED notify", &ike.NotifyError{Exchange: wire.CreateChildSA, Type: wire.AuthenticationFailed}, api.FailureAuthLocal},
		{"gateway's PSK MAC wrong", &ike.AuthError{Reason: "a pre-shared key mismatch", Err: auth.ErrAuthFailed}, api.FailureAuthGateway},
		{"wrong EAP password", &ike.EAPError{Method: eap.TypeMSCHAPv2, Err: &mschapv2.FailureError{Code: mschapv2.ErrorAuthenticationFailed}}, api.FailureEAPRejected},
		{"EAP method refused", &ike.EAPError{Err: &eap.UnsupportedError{}}, api.FailureEAPMethod},
		{"gateway failed MSCHAPv2 proof", &ike.EAPError{Method: eap.TypeMSCHAPv2, Err: fmt.Errorf("%w: bad authenticator response", eap.ErrAuthenticatorUnproven)}, api.FailureAuthGateway},
		{"EAP-TLS server cert expired", &ike.EAPError{Err: fmt.Errorf("%w: %w", eap.ErrAuthenticatorUnproven, auth.ErrCertExpired)}, api.FailureCertExpired},
		{"IKE proposals", &ike.NoProposalError{Offers: "aes128-sha256-modp2048"}, api.FailureNoProposal},
		{"ESP proposals", &ike.NoProposalError{Child: true}, api.FailureNoProposal},
		{"unauthenticated refusal", &ike.UnauthenticatedError{Err: &ike.NoProposalError{}, Unanswered: &ike.PeerUnreachableError{Exchange: wire.IKESAInit, Tries: 6}}, api.FailureNoProposal},
		{"traffic selectors", &ike.NotifyError{Exchange: wire.IKEAuth, Type: wire.TSUnacceptable}, api.FailureTSUnacceptable},
		{"no virtual IP", &ike.NotifyError{Exchange: wire.IKEAuth, Type: wire.InternalAddressFailure}, api.FailureConfigRefused},
		{"multicast DNS server", &ike.ConfigReplyError{Attribute: wire.InternalIP4DNS, Addr: netip.MustParseAddr("224.0.0.251"), Reason: "a multicast address"}, api.FailureConfigInvalid},
		{"no answer", &ike.PeerUnreachableError{Exchange: wire.IKESAInit, Tries: 5}, api.FailurePeerUnreachable},
		{"dead peer detection", fmt.Errorf("IKE SA down: %w", &ike.PeerUnreachableError{Exchange: wire.Informational, Tries: 5}), api.FailurePeerUnreachable},
		{"untrusted CA", certErr(auth.ErrCertUntrusted), api.FailureCertUntrusted},
		{"expired", certErr(auth.ErrCertExpired), api.FailureCertExpired},
		{"not yet valid", certErr(auth.ErrCertNotYetValid), api.FailureCertNotYetValid},
		{"key usage", certErr(auth.ErrCertKeyUsage), api.FailureCertKeyUsage},
		{"identity", &ike.IdentityMismatchError{Want: "vpn.example.com", Got: "other.example.com", Err: auth.ErrIdentityMismatch}, api.FailureIdentityMismatch},
		{"identity not in cert", &ike.IdentityMismatchError{Got: "vpn.example.com", InCert: true, Err: auth.ErrIdentityMismatch}, api.FailureIdentityMismatch},
		{"gateway deleted the SA", ike.ErrDeleted, api.FailureGatewayClosed},
		{"rekey refused by the gateway", &ike.RekeyError{SPI: 0xc1a2b3c4, Notify: wire.NoProposalChosen}, api.FailureRekeyFailed},
		{"gateway's rekey refused by us", &ike.RekeyError{SPI: 0xc1a2b3c4, ByPeer: true, Notify: wire.NoProposalChosen}, api.FailureRekeyFailed},
		{"expired after a refused rekey", fmt.Errorf("%w: %w", ike.ErrChildExpired, &ike.RekeyError{SPI: 0xc1a2b3c4, Notify: wire.NoProposalChosen}), api.FailureRekeyFailed},
		{"name lookup", fmt.Errorf("cannot resolve the gateway vpn.example.com: %w", &net.DNSError{Err: "no such host", Name: "vpn.example.com", IsNotFound: true}), api.FailureDNS},
		{"bad key share", &ike.KeyExchangeError{Exchange: wire.CreateChildSA, Method: 31, Reason: "key exchange data of the wrong size"}, api.FailureKeyExchange},
		{"kill switch", &platform.KillSwitchError{Err: errors.New("nft: no such file")}, api.FailureKillSwitch},
		{"kill switch config", &platform.KillSwitchError{Err: &platform.ConfigError{Field: "kill switch", Reason: "nothing to protect"}}, api.FailureKillSwitch},
		{"peer selector", fmt.Errorf("system configuration: %w", &platform.PeerSelectorError{Peer: netip.MustParseAddr("192.0.2.1"), Selector: netip.MustParsePrefix("192.0.2.1/32")}), api.FailureSystemConfig},
		{"unavailable", ErrUnavailable, api.FailureUnavailable},
		{"explicit code", WithCode(api.FailureTimeout, errors.New("the gateway did not complete the negotiation in time")), api.FailureTimeout},
		{"explicit code wins", WithCode(api.FailureDNS, &ike.AuthError{Local: true}), api.FailureDNS},
		{"through a wrapper", wrapped{&ike.AuthError{Local: true, Reason: "AUTHENTICATION_FAILED"}}, api.FailureAuthLocal},
		{"anything else", errors.New("tun device busy"), api.FailureInternal},
	}
	for _, tc := range tests {
		if got, _ := Code(tc.err); got != tc.want {
			t.Errorf("%s: Code(%v) = %q, want %q", tc.name, tc.err, got, tc.want)
		}
	}
	if WithCode(api.FailureTimeout, nil) != nil {
		t.Error("WithCode(code, nil) is not nil")
	}
	inner := errors.New("inner")
	if err := WithCode(api.FailureTimeout, inner); !errors.Is(err, inner) || err.Error() != "inner" {
		t.Errorf("WithCode hides its error: %v", err)
	}
}

// Code reports permanence as the error itself says it, not as an error
// it wraps does: the wrapper decides.
func TestCodePermanent(t *testing.T) {
	for _, tc := range []struct {
		err       error
		permanent bool
	}{
		{nil, false},
		{Permanent(&ike.AuthError{Local: true}), true},
		{&ProfileError{Field: "ca", Reason: "required"}, true},
		{&CredentialError{Err: errors.New("garbled")}, true},
		{ErrTimeout, false},
		{fmt.Errorf("IKE SA down: %w", Permanent(errors.New("x"))), false},
		{Permanent(&ike.UnauthenticatedError{Err: &ike.NoProposalError{}}), false},
	} {
		if _, got := Code(tc.err); got != tc.permanent {
			t.Errorf("Code(%v) permanent = %v, want %v", tc.err, got, tc.permanent)
		}
	}
}

// TestUnauthenticatedRefusalRetried: the IKE SA going down on a refusal
// nobody authenticated (a forger who saw our SPI can send one, RFC 7296
// §2.21.1) is retried, while the same refusal proven genuine is not.
func TestUnauthenticatedRefusalRetried(t *testing.T) {
	for _, tc := range []struct {
		err       error
		permanent bool
	}{
		{&ike.NoProposalError{}, true},
		{&ike.KeyExchangeError{Exchange: wire.IKEIntermediate, Method: 35, Reason: "not a valid key"}, false},
		{&ike.AuthError{Local: true, Reason: "AUTHENTICATION_FAILED"}, true},
		{&ike.UnauthenticatedError{Err: &ike.NoProposalError{}, Unanswered: &ike.PeerUnreachableError{Exchange: wire.IKESAInit, Tries: 6}}, false},
		{&ike.UnauthenticatedError{Err: &ike.NotifyError{Exchange: wire.IKESAInit, Type: wire.AuthenticationFailed}}, false},
		{fmt.Errorf("reauthentication: %w", &ike.UnauthenticatedError{Err: &ike.NoProposalError{}}), false},
	} {
		code, permanent := Code(classify(tc.err))
		if permanent != tc.permanent {
			t.Errorf("%v: permanent = %v, want %v", tc.err, permanent, tc.permanent)
		}
		if want := failureCode(tc.err); code != want {
			t.Errorf("%v: code %q, want %q", tc.err, code, want)
		}
	}
}
