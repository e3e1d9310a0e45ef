package explain

import (
	"context"
	"fmt"
	"strings"
	"syscall"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
)

func TestFailureSentences(t *testing.T) {
	eap := &api.Profile{Name: "office", Gateway: "vpn.example.com", Auth: api.AuthEAPMSCHAPv2, Username: "alice", CAFile: "/etc/ca.pem"}
	psk := &api.Profile{Name: "lab", Gateway: "192.0.2.1:4500", Auth: api.AuthPSK}
	cert := &api.Profile{Name: "c", Gateway: "vpn.example.com", Auth: api.AuthCert, LocalID: "laptop.example.com"}
	tests := []struct {
		text    string
		p       *api.Profile
		problem string
		action  Action
	}{
		{"received AUTHENTICATION_FAILED notify", eap, "The gateway rejected the password for alice", ActionEdit},
		{"EAP_FAILURE", eap, "The gateway rejected the password for alice", ActionEdit},
		{"authentication failed", psk, "The gateway rejected the pre-shared key", ActionEdit},
		{"AUTHENTICATION_FAILED", cert, "The gateway did not accept the certificate of laptop.example.com", ActionEdit},
		{"authentication failed: gateway certificate not trusted", eap, "The gateway's certificate is not signed by the CA in this profile", ActionEdit},
		{"x509: certificate signed by unknown authority", cert, "The gateway's certificate is not signed by a CA this profile trusts", ActionEdit},
		{"received NO_PROPOSAL_CHOSEN", eap, "The gateway accepts none of the algorithms this profile proposes", ActionEdit},
		{"no response from 192.0.2.1 after 5 retransmits", eap, "Nothing answers IKE at vpn.example.com:500", ActionNone},
		{"IKE_SA_INIT timed out", psk, "Nothing answers IKE at 192.0.2.1:4500", ActionNone},
		{"lookup vpn.example.com: no such host", eap, "The name vpn.example.com could not be found", ActionEdit},
		{"TS_UNACCEPTABLE", eap, "The gateway refused the networks this profile asks to reach", ActionEdit},
		{"INTERNAL_ADDRESS_FAILURE", eap, "The gateway gave this computer no address in the VPN", ActionNone},
		{"remote identity mismatch", eap, "The gateway did not prove the identity vpn.example.com", ActionEdit},
		{"kernel said no.", eap, "The connection to vpn.example.com failed: kernel said no", ActionShowLog},
		{"", nil, "The connection to the gateway failed", ActionShowLog},
	}
	for _, tc := range tests {
		s := Failure(tc.text, tc.p)
		if s.Problem != tc.problem || s.Action != tc.action {
			t.Errorf("Failure(%q) = %q (action %d), want %q (action %d)", tc.text, s.Problem, s.Action, tc.problem, tc.action)
		}
		if s.Next == "" {
			t.Errorf("Failure(%q) has no next step", tc.text)
		}
	}
}

func TestErrorSentences(t *testing.T) {
	eap := &api.Profile{Name: "office", Gateway: "vpn.example.com", Auth: api.AuthEAPMSCHAPv2, Username: "alice"}
	tests := []struct {
		err     error
		problem string
		action  Action
	}{
		{&api.NotRunningError{Socket: "/run/x.sock", Err: syscall.ENOENT}, "The Espresso helper is not running", ActionStartHelper},
		{&api.AccessDeniedError{Socket: "/run/x.sock", Err: syscall.EACCES}, "This account may not use the Espresso helper", ActionNone},
		{api.Errorf(api.CodeForbidden, "no"), "This account may not use the Espresso helper", ActionNone},
		{fmt.Errorf("status: %w", context.DeadlineExceeded), "The Espresso helper did not answer in time", ActionStartHelper},
		{api.FieldError("remote_ts[1]", "%q is not an address prefix", "x"), `Networks through the tunnel, line 2 is not valid: "x" is not an address prefix`, ActionEdit},
		{api.Errorf(api.CodeExists, "exists"), "A profile with this name already exists", ActionNone},
		{api.Errorf(api.CodeNotOwner, "belongs to another user"), "This profile belongs to another user", ActionNone},
		{api.Errorf(api.CodeBusy, "busy"), "This profile's connection is active", ActionNone},
		{api.Errorf(api.CodeConnectFailed, "AUTHENTICATION_FAILED"), "The gateway rejected the password for alice", ActionEdit},
		{api.Errorf(api.CodeInternal, "disk full"), "The helper reported an error: disk full", ActionShowLog},
	}
	for _, tc := range tests {
		s := Error(tc.err, eap)
		if s.Problem != tc.problem || s.Action != tc.action {
			t.Errorf("Error(%v) = %q (action %d), want %q (action %d)", tc.err, s.Problem, s.Action, tc.problem, tc.action)
		}
	}
	if s := Error(nil, nil); s != (Sentence{}) {
		t.Errorf("Error(nil) = %+v", s)
	}
}

func TestFieldLabel(t *testing.T) {
	for in, want := range map[string]string{
		"gateway": "Gateway", "ike_proposals[0]": "IKE proposals, line 1", "exclude[2]": "Networks outside the tunnel, line 3",
		"nonsense": "nonsense", "dns[x]": "dns[x]",
	} {
		if got := FieldLabel(in); got != want {
			t.Errorf("FieldLabel(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSentenceString(t *testing.T) {
	s := Sentence{Problem: "Nothing answers IKE at vpn.example.com:500", Next: "Check the network."}
	if got := s.String(); got != "Nothing answers IKE at vpn.example.com:500. Check the network." {
		t.Errorf("String = %q", got)
	}
}

// An AUTHENTICATION_FAILED answered to a request that named the gateway's
// identity quotes the identities the helper says were sent, over the
// profile's (whose local_id may be empty: the address or certificate
// subject was sent), and names the credential of the profile's method.
func TestIdentitiesRejectedSentence(t *testing.T) {
	const text = `IKE: ike: the gateway refused our authentication (AUTHENTICATION_FAILED) as IDi "C=CH, O=strongSwan, CN=client \"x\"" for IDr "moon.example.test"`
	tests := []struct {
		p             *api.Profile
		text, problem string
		next          string
	}{
		{&api.Profile{Gateway: "192.0.2.1", Auth: api.AuthPSK, RemoteID: "vpn.example.test"}, text,
			`The gateway refused the authentication as C=CH, O=strongSwan, CN=client "x" to the gateway identity moon.example.test`, "the pre-shared key"},
		{&api.Profile{Gateway: "192.0.2.1", Auth: api.AuthCert, LocalID: "laptop.example.test"}, "AUTHENTICATION_FAILED",
			"The gateway refused the authentication as laptop.example.test to the gateway identity 192.0.2.1", "your certificate"},
		{&api.Profile{Gateway: "vpn.example.test", Auth: api.AuthEAPMSCHAPv2}, "",
			"The gateway refused the authentication to the gateway identity vpn.example.test", "the user name and password"},
		{nil, "", "The gateway refused the authentication", "the pre-shared key or certificate"},
	}
	for _, tc := range tests {
		s := ForCode(api.FailureAuthIdentities, tc.text, tc.p)
		if s.Problem != tc.problem || s.Action != ActionEdit {
			t.Errorf("ForCode(%q) = %q (action %d), want %q", tc.text, s.Problem, s.Action, tc.problem)
		}
		if !strings.Contains(s.Next, "gateway identity (remote_id)") || !strings.Contains(s.Next, "your identity") || !strings.Contains(s.Next, tc.next) {
			t.Errorf("ForCode(%q).Next = %q, want the identities and %q to check", tc.text, s.Next, tc.next)
		}
	}
	// A helper that sends no code: the daemon's words still decide.
	if r := Classify(text); r != ReasonAuthIdentities {
		t.Errorf("Classify(%q) = %v", text, r)
	}
}

// The identities are read from the IKE daemon's own words.
func TestSentIdentitiesFromDaemon(t *testing.T) {
	err := fmt.Errorf("IKE: %w", &ike.IdentitiesRejectedError{Local: `CN=a "b"`, Remote: "gw.example.test"})
	if idi, idr := sentIdentities(err.Error()); idi != `CN=a "b"` || idr != "gw.example.test" {
		t.Errorf("sentIdentities(%q) = %q, %q", err, idi, idr)
	}
}
