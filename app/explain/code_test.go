package explain

import (
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// Every failure code the helper sends has its own sentence, whatever the
// text says: the code decides, the text is for people.
func TestCodeSentences(t *testing.T) {
	eap := &api.Profile{Name: "office", Gateway: "vpn.example.com", Auth: api.AuthEAPMSCHAPv2, Username: "alice", CAFile: "/etc/ca.pem"}
	tls := &api.Profile{Name: "tls", Gateway: "vpn.example.com", Auth: api.AuthEAPTLS, LocalID: "laptop.example.com"}
	psk := &api.Profile{Name: "lab", Gateway: "192.0.2.1:4500", Auth: api.AuthPSK}
	cert := &api.Profile{Name: "c", Gateway: "vpn.example.com", Auth: api.AuthCert, LocalID: "laptop.example.com", RemoteID: "gw.example.com"}
	tests := []struct {
		code    api.FailureCode
		p       *api.Profile
		problem string
		action  Action
	}{
		{api.FailureAuthLocal, psk, "The gateway rejected the pre-shared key", ActionEdit},
		{api.FailureAuthLocal, cert, "The gateway did not accept the certificate of laptop.example.com", ActionEdit},
		{api.FailureAuthIdentities, cert, "The gateway refused the authentication as laptop.example.com to the gateway identity gw.example.com", ActionEdit},
		{api.FailureAuthIdentities, psk, "The gateway refused the authentication to the gateway identity 192.0.2.1", ActionEdit},
		{api.FailureEAPRejected, eap, "The gateway rejected the password for alice", ActionEdit},
		{api.FailureEAPRejected, tls, "The gateway did not accept the certificate of laptop.example.com", ActionEdit},
		{api.FailureEAPRejected, nil, "The gateway rejected the password", ActionEdit},
		{api.FailureAuthGateway, psk, "The gateway does not use the same pre-shared key as this profile", ActionEdit},
		{api.FailureAuthGateway, cert, "The gateway could not prove that it is gw.example.com", ActionNone},
		{api.FailureEAPMethod, eap, "The gateway asks for a way of signing in that this profile does not use", ActionEdit},
		{api.FailureNoProposal, eap, "The gateway accepts none of the algorithms this profile proposes", ActionEdit},
		{api.FailureTSUnacceptable, eap, "The gateway refused the networks this profile asks to reach", ActionEdit},
		{api.FailureConfigRefused, eap, "The gateway gave this computer no address in the VPN", ActionNone},
		{api.FailureConfigInvalid, eap, "The gateway assigned an address that cannot be used in the VPN", ActionNone},
		{api.FailurePeerUnreachable, eap, "Nothing answers IKE at vpn.example.com:500", ActionNone},
		{api.FailurePeerUnreachable, psk, "Nothing answers IKE at 192.0.2.1:4500", ActionNone},
		{api.FailureTimeout, eap, "vpn.example.com did not finish setting up the connection in time", ActionNone},
		{api.FailureDNS, eap, "The name vpn.example.com could not be found", ActionEdit},
		{api.FailureCertUntrusted, eap, "The gateway's certificate is not signed by the CA in this profile", ActionEdit},
		{api.FailureCertUntrusted, cert, "The gateway's certificate is not signed by a CA this profile trusts", ActionEdit},
		{api.FailureCertExpired, eap, "The gateway's certificate has expired", ActionNone},
		{api.FailureCertNotYetValid, eap, "The gateway's certificate is not valid yet", ActionNone},
		{api.FailureCertKeyUsage, eap, "The gateway's certificate is not meant for VPN connections", ActionNone},
		{api.FailureIdentityMismatch, cert, "The gateway did not prove the identity gw.example.com", ActionEdit},
		{api.FailureGatewayClosed, eap, "The gateway ended the connection", ActionNone},
		{api.FailureRekeyFailed, eap, "Renewing the tunnel's keys failed (NO_PROPOSAL_CHOSEN)", ActionEdit},
		{api.FailureKeyExchange, eap, "The gateway sent an unusable key exchange", ActionNone},
		{api.FailureKillSwitch, eap, "The kill switch could not block traffic outside the tunnel, so Espresso did not connect", ActionShowLog},
		{api.FailureSystemConfig, eap, "Espresso could not set up this computer for the tunnel", ActionShowLog},
		{api.FailureUnavailable, eap, "The Espresso helper on this computer cannot make VPN connections", ActionNone},
		{api.FailureLocalCertExpired, cert, "Your certificate has expired", ActionEdit},
		{api.FailureLocalCertNotYetValid, tls, "Your certificate is not valid yet", ActionNone},
		{api.FailureLocalCertKeyUsage, cert, "Your certificate is not meant for VPN connections", ActionEdit},
		{api.FailureP12Password, tls, "The password of your certificate file (PKCS#12) is wrong", ActionEdit},
		{api.FailureKeyMismatch, cert, "The private key does not belong to your certificate", ActionEdit},
		{api.FailureCredentials, cert, "Your certificate, its key or the CA certificate could not be read", ActionEdit},
		{api.FailurePasswordTimeout, eap, "Nobody entered the password for alice in time, so Espresso did not connect", ActionNone},
		{api.FailurePasswordTimeout, nil, "Nobody entered the password in time, so Espresso did not connect", ActionNone},
		{api.FailurePasswordCancelled, eap, "The password request was cancelled, so Espresso did not connect", ActionNone},
	}
	for _, tc := range tests {
		// The text would classify as something else: the code must win.
		s := ForCode(tc.code, "received NO_PROPOSAL_CHOSEN", tc.p)
		if tc.code == api.FailureNoProposal {
			s = ForCode(tc.code, "kernel said no", tc.p)
		}
		if s.Problem != tc.problem || s.Action != tc.action {
			t.Errorf("%s: %q (action %d), want %q (action %d)", tc.code, s.Problem, s.Action, tc.problem, tc.action)
		}
		if s.Next == "" {
			t.Errorf("%s: no next step", tc.code)
		}
	}
}

// Without a code the app reads the text, as it did for older helpers; an
// internal or unknown code falls back the same way.
func TestCodeFallsBackToText(t *testing.T) {
	eap := &api.Profile{Name: "office", Gateway: "vpn.example.com", Auth: api.AuthEAPMSCHAPv2, Username: "alice"}
	for _, code := range []api.FailureCode{"", api.FailureInternal, "quantum_flux"} {
		if s := ForCode(code, "received AUTHENTICATION_FAILED notify", eap); s.Problem != "The gateway rejected the password for alice" {
			t.Errorf("code %q: %q", code, s.Problem)
		}
		if s := ForCode(code, "disk full", eap); s.Problem != "The connection to vpn.example.com failed: disk full" {
			t.Errorf("code %q, unknown text: %q", code, s.Problem)
		}
	}
	// Phrases of helpers that predate the codes.
	for text, want := range map[string]Reason{
		"ike: peer certificate refused: certificate expired: x509":                         ReasonCertExpired,
		"certificate not yet valid":                                                        ReasonCertNotYetValid,
		"profile p12: creds: wrong password for the PKCS#12 file":                          ReasonP12Password,
		"the gateway did not complete the negotiation in time":                             ReasonTimeout,
		"ike: we refused the gateway's rekey of Child SA c1a2b3c4 with NO_PROPOSAL_CHOSEN": ReasonRekeyFailed,
	} {
		if got := Classify(text); got != want {
			t.Errorf("Classify(%q) = %d, want %d", text, got, want)
		}
	}
}

// A status explains its reconnection's reason when it has one, else its
// own failure.
func TestStatusSentence(t *testing.T) {
	p := &api.Profile{Name: "work", Gateway: "vpn.example.com", Auth: api.AuthPSK}
	failed := api.ConnectionStatus{State: api.StateFailed, LastError: "ike: no IKE proposal chosen", ErrorCode: api.FailureNoProposal}
	if s := Status(failed, p); s.Problem != "The gateway accepts none of the algorithms this profile proposes" {
		t.Errorf("failed: %q", s.Problem)
	}
	next := time.Date(2026, 3, 4, 10, 0, 8, 0, time.UTC)
	rec := api.ConnectionStatus{State: api.StateReconnecting, LastError: "ike: no answer to INFORMATIONAL after 5 transmissions", ErrorCode: api.FailurePeerUnreachable,
		Reconnect: &api.Reconnect{Attempt: 3, NextAt: &next, Reason: "ike: no answer to INFORMATIONAL after 5 transmissions", ErrorCode: api.FailurePeerUnreachable}}
	if s := Status(rec, p); s.Problem != "Nothing answers IKE at vpn.example.com:500" {
		t.Errorf("reconnecting: %q", s.Problem)
	}
	// A connect_failed error carries the code too.
	err := &api.Error{Code: api.CodeConnectFailed, Message: "ike: peer certificate refused: certificate expired", ErrorCode: api.FailureCertExpired}
	if s := Error(err, p); s.Problem != "The gateway's certificate has expired" {
		t.Errorf("connect_failed: %q", s.Problem)
	}
}

func TestProgress(t *testing.T) {
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) *time.Time { t := now.Add(d); return &t }
	for _, tc := range []struct {
		r    *api.Reconnect
		want string
	}{
		{nil, ""},
		{&api.Reconnect{Attempt: 3, NextAt: at(7500 * time.Millisecond)}, "attempt 3 in 8s"},
		{&api.Reconnect{Attempt: 7, NextAt: at(2 * time.Minute)}, "attempt 7 in 2m0s"},
		{&api.Reconnect{Attempt: 1, NextAt: at(-time.Second)}, "attempt 1 in 0s"},
		{&api.Reconnect{Attempt: 2}, "attempt 2 under way"},
	} {
		if got := Progress(tc.r, now); got != tc.want {
			t.Errorf("Progress(%+v) = %q, want %q", tc.r, got, tc.want)
		}
	}
}
