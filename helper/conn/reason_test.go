package conn

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/mschapv2"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/platform"
)

// progress renders a reconnecting status from its data the way a client
// shows it: "attempt 2, next in 5s: gateway unreachable".
func progress(st api.ConnectionStatus) string {
	r := st.Reconnect
	if r == nil {
		return "no reconnect progress (last_error " + st.LastError + ")"
	}
	s := fmt.Sprintf("attempt %d", r.Attempt)
	if r.NextAt != nil {
		wait := max(time.Until(*r.NextAt), 0)
		s += fmt.Sprintf(", next in %ds", (wait+time.Second-1)/time.Second)
	}
	if r.Reason != "" {
		s += ": " + r.Reason
	}
	return s
}

// wrapped stands for the wrappers a Dialer adds (helper/session's
// PermanentError, fmt.Errorf with %w).
type wrapped struct{ err error }

func (w wrapped) Error() string { return "permanent: " + w.err.Error() }
func (w wrapped) Unwrap() error { return w.err }

func TestClassify(t *testing.T) {
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
		{"traffic selectors", &ike.NotifyError{Exchange: wire.IKEAuth, Type: wire.TSUnacceptable}, api.FailureTSUnacceptable},
		{"no virtual IP", &ike.NotifyError{Exchange: wire.IKEAuth, Type: wire.InternalAddressFailure}, api.FailureConfigRefused},
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
		if got := Classify(tc.err); got != tc.want {
			t.Errorf("%s: Classify(%v) = %q, want %q", tc.name, tc.err, got, tc.want)
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

// A failure's code reaches the status and Wait; a reconnection's progress
// is data, with the reason left alone in last_error.
func TestStatusCarriesCodeAndProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		m := newTestManager(t, d, RetryPolicy{Backoff: 5 * time.Second, MaxBackoff: time.Minute, Stable: time.Hour}, "work")

		d.push(dialResult{err: wrapped{&ike.AuthError{Local: true, Reason: "AUTHENTICATION_FAILED"}}})
		if err := m.Connect(profile("work")); err != nil {
			t.Fatal(err)
		}
		st, err := m.Wait(context.Background(), "work")
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Code != api.FailureAuthLocal {
			t.Fatalf("Wait = %v", err)
		}
		if st.State != api.StateFailed || st.ErrorCode != api.FailureAuthLocal || st.Reconnect != nil ||
			st.LastError != "permanent: ike: the peer rejected our authentication: AUTHENTICATION_FAILED" {
			t.Errorf("failed status = %s %q %q %+v", st.State, st.ErrorCode, st.LastError, st.Reconnect)
		}

		s := newFakeSession()
		d.push(dialResult{s: s})
		if err := m.Connect(profile("work")); err != nil {
			t.Fatal(err)
		}
		if st, err = m.Wait(context.Background(), "work"); err != nil || st.ErrorCode != "" || st.LastError != "" {
			t.Fatalf("connected: %q %q, %v", st.ErrorCode, st.LastError, err)
		}

		// Dead peer detection gives up: the first attempt waits the
		// backoff (the session was not stable), and says so as data.
		s.drop(&ike.PeerUnreachableError{Exchange: wire.Informational, Tries: 5})
		synctest.Wait()
		st, _ = m.StatusOf("work")
		r := st.Reconnect
		if st.State != api.StateReconnecting || r == nil {
			t.Fatalf("after the drop: %s %+v", st.State, r)
		}
		wantNext := time.Now().Add(5 * time.Second).UTC()
		if r.Attempt != 1 || r.NextAt == nil || !r.NextAt.Equal(wantNext) || r.ErrorCode != api.FailurePeerUnreachable ||
			r.Reason != "ike: no answer to INFORMATIONAL after 5 transmissions" {
			t.Errorf("reconnect = %+v (next at %v, want %v)", r, r.NextAt, wantNext)
		}
		if st.LastError != r.Reason || st.ErrorCode != r.ErrorCode {
			t.Errorf("last_error %q / %q, want the reason alone", st.LastError, st.ErrorCode)
		}

		// The attempt under way has no next time; the reason stays.
		time.Sleep(5 * time.Second)
		synctest.Wait()
		st, _ = m.StatusOf("work")
		if r := st.Reconnect; r == nil || r.Attempt != 1 || r.NextAt != nil || r.ErrorCode != api.FailurePeerUnreachable {
			t.Errorf("while dialing: %+v", r)
		}
		if err := m.Disconnect(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
		if st, _ = m.StatusOf("work"); st.Reconnect != nil {
			t.Errorf("after disconnect: %+v", st.Reconnect)
		}
	})
}

// A failed rekey leaves the tunnel up: the status stays connected and
// shows the failure with its code.
func TestStatusShowsProblemWhileConnected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		m := newTestManager(t, d, RetryPolicy{Backoff: 5 * time.Second, MaxBackoff: time.Minute, Stable: time.Hour}, "work")
		s := newFakeSession()
		s.problem = &ike.RekeyError{SPI: 0xc1a2b3c4, ByPeer: true, Notify: wire.NoProposalChosen}
		d.push(dialResult{s: s})
		if err := m.Connect(profile("work")); err != nil {
			t.Fatal(err)
		}
		st, err := m.Wait(context.Background(), "work")
		if err != nil || st.State != api.StateConnected || st.ErrorCode != api.FailureRekeyFailed ||
			st.LastError != "ike: we refused the gateway's rekey of Child SA c1a2b3c4 with NO_PROPOSAL_CHOSEN" {
			t.Fatalf("status %s %q %q, %v", st.State, st.ErrorCode, st.LastError, err)
		}
		if err := m.Disconnect(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
	})
}
