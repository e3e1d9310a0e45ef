package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestWrongKey: with a key the gateway does not know, `up` exits non-zero
// with the reason in one line, the status says failed, and the system is
// untouched.
func TestWrongKey(t *testing.T) {
	r := newRig(t, false)
	p := lab.PSKProfile("work")
	p.PSK = "not-the-gateway-key-0123456789"
	r.h.Import(p)
	before := r.state(t)
	out, err := r.h.Ctl("up", "work")
	if err == nil {
		t.Fatalf("up with a wrong key succeeded:\n%s", out)
	}
	if strings.Contains(out, "not available in this build") {
		t.Skipf("skipping: this espresso-helper has no IKEv2 initiator: %s", out)
	}
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 1 || !strings.Contains(out, "authentication") {
		t.Errorf("up should give the reason in one line, got:\n%s", out)
	}
	st, err := r.h.Status("work")
	// The profile names the gateway's identity (IDr), so the gateway's
	// AUTHENTICATION_FAILED may be about it as much as about the key.
	if err != nil || st.State != api.StateFailed || !strings.Contains(st.LastError, "authentication") || st.ErrorCode != api.FailureAuthIdentities {
		t.Errorf("status %+v, %v; want failed with %q", st, err, api.FailureAuthIdentities)
	}
	if d := before.Diff(r.state(t)); d != "" {
		t.Errorf("a failed connection changed the system:\n%s", d)
	}
}

// TestEAPPasswordAtConnect: an EAP-MSCHAPv2 profile that stores no
// password connects with the one given to `up --password-stdin`; a wrong
// one fails as eap_rejected, and the password is never stored.
func TestEAPPasswordAtConnect(t *testing.T) {
	r := newRig(t, false)
	p := r.gw.EAPProfile("work")
	p.Password = ""
	r.h.Import(p)
	if out, err := r.h.Ctl("up", "work"); err == nil || !strings.Contains(out, "password") {
		t.Errorf("up without a password: %v\n%s", err, out)
	}
	out, err := r.h.CtlInput("not-the-password\n", "up", "--password-stdin", "work")
	if err == nil {
		t.Fatalf("up with a wrong password succeeded:\n%s", out)
	}
	if strings.Contains(out, "not available in this build") {
		t.Skipf("skipping: this espresso-helper has no IKEv2 initiator: %s", out)
	}
	if st, err := r.h.Status("work"); err != nil || st.ErrorCode != api.FailureEAPRejected {
		t.Errorf("status %+v, %v; want %q", st, err, api.FailureEAPRejected)
	}
	if out, err := r.h.CtlInput(lab.EAPPassword+"\n", "up", "--password-stdin", "work"); err != nil {
		t.Fatalf("up with the right password: %v\n%s", err, out)
	}
	if out, err := r.top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no ping through the tunnel: %v\n%s", err, out)
	}
	r.h.MustCtl("down", "work")
	if b, err := os.ReadFile(filepath.Join(r.h.StateDir, "profiles", "work.json")); err != nil || strings.Contains(string(b), lab.EAPPassword) {
		t.Errorf("the password given at connect time was stored (or the profile is unreadable: %v)", err)
	}
}

// TestWrongRemoteID: a remote_id the gateway has no configuration for is
// answered with AUTHENTICATION_FAILED, exactly as a wrong key is; `up`
// names the identities sent and the status says auth_failed_identities,
// for a pre-shared key and for a certificate.
func TestWrongRemoteID(t *testing.T) {
	r := newRig(t, false)
	const wrong = "not-the-gateway.example.test"
	psk := lab.PSKProfile("psk")
	psk.RemoteID = wrong
	cert := r.gw.CertProfile("cert")
	cert.RemoteID = wrong
	for _, p := range []api.Profile{psk, cert} {
		r.h.Import(p)
		out, err := r.h.Ctl("up", p.Name)
		if err == nil {
			t.Fatalf("up %s with a wrong remote_id succeeded:\n%s", p.Name, out)
		}
		if strings.Contains(out, "not available in this build") {
			t.Skipf("skipping: this espresso-helper has no IKEv2 initiator: %s", out)
		}
		if !strings.Contains(out, "as "+p.LocalID+" to the gateway identity "+wrong) {
			t.Errorf("up %s should name the identities sent, got:\n%s", p.Name, out)
		}
		st, err := r.h.Status(p.Name)
		if err != nil || st.State != api.StateFailed || st.ErrorCode != api.FailureAuthIdentities ||
			!strings.Contains(st.LastError, `IDi "`+p.LocalID+`"`) || !strings.Contains(st.LastError, `IDr "`+wrong+`"`) {
			t.Errorf("status of %s %+v, %v; want failed with %q and both identities", p.Name, st, err, api.FailureAuthIdentities)
		}
	}
}

// TestUnreachableGateway: a gateway host with no IKE daemon answers each
// IKE_SA_INIT with ICMP port unreachable; the first connect ends in well
// under the 30 s an unanswered gateway takes, as peer_unreachable with
// the address that does not answer.
func TestUnreachableGateway(t *testing.T) {
	r := newRig(t, false)
	lab.StopCharon(t, r.gw.Process())
	r.h.Import(lab.PSKProfile("work"))
	start := time.Now()
	out, err := r.h.Ctl("up", "work")
	took := time.Since(start)
	if err == nil {
		t.Fatalf("up without an IKE daemon at the gateway succeeded:\n%s", out)
	}
	if strings.Contains(out, "not available in this build") {
		t.Skipf("skipping: this espresso-helper has no IKEv2 initiator: %s", out)
	}
	if took > 10*time.Second {
		t.Errorf("up took %v to fail, want under 10s", took)
	}
	want := "nothing answers IKE at " + testnet.GatewayV4.String() + ":500"
	if !strings.Contains(out, want) {
		t.Errorf("up should say %q, got:\n%s", want, out)
	}
	if st, err := r.h.Status("work"); err != nil || st.State != api.StateFailed || st.ErrorCode != api.FailurePeerUnreachable ||
		!strings.Contains(st.LastError, "ICMP unreachable") {
		t.Errorf("status %+v, %v; want failed with %q after ICMP unreachables", st, err, api.FailurePeerUnreachable)
	}
	t.Logf("up failed after %v: %s", took.Round(time.Millisecond), strings.TrimSpace(out))
}
