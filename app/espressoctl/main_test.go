package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/netip"
	"os"
	"os/user"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/app/internal/apitest"
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/server"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/internal/version"
	"github.com/espressovpn/espresso/ipsec/ike"
)

// dialer connects every profile at once except those named in fail.
type dialer struct{ fail map[string]error }

func (d dialer) Dial(ctx context.Context, a session.Attempt) (session.Conn, error) {
	if err := d.fail[a.Profile.Name]; err != nil {
		return nil, err
	}
	return &fakeConn{done: make(chan struct{})}, nil
}

type fakeConn struct {
	done chan struct{}
}

func (s *fakeConn) Info() session.Info {
	return session.Info{
		VirtualIPs:    []netip.Addr{netip.MustParseAddr("198.18.0.2")},
		RemoteTS:      []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24")},
		IKEProposal:   "aes256gcm16-prfsha384-x25519",
		ESPProposal:   "aes256gcm16",
		Encapsulation: api.EncapsulationUDP,
		EstablishedAt: time.Now(),
	}
}
func (s *fakeConn) Counters() session.Counters { return session.Counters{BytesIn: 1500, BytesOut: 42} }
func (s *fakeConn) Done() <-chan struct{}      { return s.done }
func (s *fakeConn) Err() error                 { return nil }
func (s *fakeConn) Close() error               { return nil }

// helper runs an in-process helper and returns its socket. Its group is
// the test user's own, so the test passes the peer check as any user.
func helper(t *testing.T, d session.Dialer) string {
	t.Helper()
	dir := t.TempDir()
	store, err := profile.Open(filepath.Join(dir, "profiles"))
	if err != nil {
		t.Fatal(err)
	}
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	g, err := user.LookupGroupId(u.Gid)
	if err != nil {
		t.Fatal(err)
	}
	log := logring.New(100, nil, nil)
	wanted, err := conn.OpenWanted(filepath.Join(dir, "always-on.json"))
	if err != nil {
		t.Fatal(err)
	}
	mgr := conn.NewManager(d, log, conn.DefaultRetryPolicy, conn.WithAlwaysOn(conn.AlwaysOn{Wanted: wanted, Profiles: store.List}))
	srv := server.New(server.Config{Store: store, Manager: mgr, Log: log, Auth: server.Authorizer{Group: g.Name}, Version: "test"})
	sock := filepath.Join(dir, "helper.sock")
	apitest.ServeHelper(t, srv, mgr, sock)
	return sock
}

// ctl runs espressoctl and returns its exit status, stdout and stderr.
func ctl(t *testing.T, sock, stdin string, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code := run(ctx, append([]string{"--socket", sock}, args...), strings.NewReader(stdin), &out, &errOut)
	return code, out.String(), errOut.String()
}

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestImportUpStatusDownRemove(t *testing.T) {
	sock := helper(t, dialer{})
	dir := t.TempDir()
	f := writeFile(t, dir, "work.json", `{"name": "work", "gateway": "192.0.2.1", "auth": "psk", "psk": "correct horse"}`)

	code, out, errOut := ctl(t, sock, "", "import", f)
	if code != 0 || !strings.Contains(out, "imported profile work") {
		t.Fatalf("import: %d %q %q", code, out, errOut)
	}
	code, out, _ = ctl(t, sock, "", "list")
	if code != 0 || !strings.Contains(out, "work") || !strings.Contains(out, "disconnected") {
		t.Errorf("list: %d %q", code, out)
	}
	code, out, errOut = ctl(t, sock, "", "up", "work")
	if code != 0 || out != "work: connected to 192.0.2.1 (virtual IP 198.18.0.2)\n" {
		t.Errorf("up: %d %q %q", code, out, errOut)
	}
	code, out, _ = ctl(t, sock, "", "status")
	if code != 0 || !strings.Contains(out, "work: connected to 192.0.2.1 since") || !strings.Contains(out, "in 1.5 kB / out 42 B") {
		t.Errorf("status: %d %q", code, out)
	}
	code, out, _ = ctl(t, sock, "", "status", "--json")
	var sts []map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &sts) != nil || len(sts) != 1 {
		t.Fatalf("status --json: %d %q", code, out)
	}
	if sts[0]["state"] != "connected" || sts[0]["ike_proposal"] != "aes256gcm16-prfsha384-x25519" || sts[0]["encapsulation"] != "udp" {
		t.Errorf("status --json: %v", sts[0])
	}
	code, out, _ = ctl(t, sock, "", "status", "work", "--json")
	var one map[string]any
	if code != 0 || json.Unmarshal([]byte(out), &one) != nil || one["name"] != "work" {
		t.Errorf("status work --json: %d %q", code, out)
	}
	if code, _, errOut = ctl(t, sock, "", "remove", "work"); code != 1 || !strings.Contains(errOut, "disconnect it first") {
		t.Errorf("remove while connected: %d %q", code, errOut)
	}
	if code, out, _ = ctl(t, sock, "", "down", "work"); code != 0 || out != "work: disconnected\n" {
		t.Errorf("down: %d %q", code, out)
	}
	if code, out, _ = ctl(t, sock, "", "remove", "work"); code != 0 || out != "removed profile work\n" {
		t.Errorf("remove: %d %q", code, out)
	}
	code, out, _ = ctl(t, sock, "", "logs")
	if code != 0 || !strings.Contains(out, "[work] connected") || strings.Contains(out, "correct horse") {
		t.Errorf("logs: %d %q", code, out)
	}
}

func TestUpFailureIsOneLine(t *testing.T) {
	sock := helper(t, dialer{fail: map[string]error{"work": errors.New("authentication failed: the gateway rejected the pre-shared key")}})
	f := writeFile(t, t.TempDir(), "work.json", `{"name": "work", "gateway": "192.0.2.1", "auth": "psk", "psk": "k"}`)
	if code, _, errOut := ctl(t, sock, "", "import", f); code != 0 {
		t.Fatal(errOut)
	}
	code, out, errOut := ctl(t, sock, "", "up", "work")
	if code != 1 || out != "" || errOut != "espressoctl up: authentication failed: the gateway rejected the pre-shared key\n" {
		t.Errorf("up: %d %q %q", code, out, errOut)
	}
	code, out, _ = ctl(t, sock, "", "status", "work")
	if code != 0 || out != "work: failed: authentication failed: the gateway rejected the pre-shared key\n" {
		t.Errorf("status: %q", out)
	}
}

// A failure the helper classifies reads as the app's sentence, with the
// helper's words in parentheses, so scripts grepping either keep working.
func TestUpFailureWithCode(t *testing.T) {
	sock := helper(t, dialer{fail: map[string]error{"work": &ike.AuthError{Local: true, Reason: "AUTHENTICATION_FAILED"}}})
	f := writeFile(t, t.TempDir(), "work.json", `{"name": "work", "gateway": "192.0.2.1", "auth": "psk", "psk": "k"}`)
	if code, _, errOut := ctl(t, sock, "", "import", f); code != 0 {
		t.Fatal(errOut)
	}
	code, _, errOut := ctl(t, sock, "", "up", "work")
	want := "espressoctl up: the gateway rejected the pre-shared key (ike: the peer rejected our authentication: AUTHENTICATION_FAILED)\n"
	if code != exitAuth || errOut != want {
		t.Errorf("up: %d %q", code, errOut)
	}
	code, out, _ := ctl(t, sock, "", "status")
	if code != 0 || out != "work: failed: the gateway rejected the pre-shared key\n" {
		t.Errorf("status: %q", out)
	}
	code, out, _ = ctl(t, sock, "", "status", "--json", "work")
	var st api.ConnectionStatus
	if code != 0 || json.Unmarshal([]byte(out), &st) != nil || st.ErrorCode != api.FailureAuthLocal || !strings.Contains(out, `"reconnect": null`) {
		t.Errorf("status --json: %q", out)
	}
}

func TestUpUnavailableBuild(t *testing.T) {
	sock := helper(t, session.UnavailableDialer{})
	f := writeFile(t, t.TempDir(), "w.json", `{"name": "w", "gateway": "192.0.2.1", "auth": "psk", "psk": "k"}`)
	ctl(t, sock, "", "import", f)
	code, _, errOut := ctl(t, sock, "", "up", "w")
	if code != 1 || errOut != "espressoctl up: IKEv2 negotiation is not available in this build\n" {
		t.Errorf("up: %d %q", code, errOut)
	}
}

func TestEAPPasswordFromStdin(t *testing.T) {
	sock := helper(t, dialer{})
	f := writeFile(t, t.TempDir(), "eap.json", `{"name": "eap", "gateway": "192.0.2.1", "auth": "eap-mschapv2", "username": "alice"}`)
	ctl(t, sock, "", "import", f)
	code, _, errOut := ctl(t, sock, "", "up", "eap")
	if code != 1 || !strings.Contains(errOut, "--password-stdin") {
		t.Errorf("up without password: %d %q", code, errOut)
	}
	if code, _, errOut = ctl(t, sock, "s3cret\n", "up", "--password-stdin", "eap"); code != 0 {
		t.Errorf("up with password: %d %q", code, errOut)
	}
}

func TestImportSswanAndInlinedFiles(t *testing.T) {
	sock := helper(t, dialer{})
	dir := t.TempDir()
	sw := writeFile(t, dir, "office.sswan", `{"uuid": "d9ab35a1-8f4b-4d6c-9a52-3b8c5a3f7e01", "name": "Office", "type": "ikev2-eap",
		"remote": {"addr": "192.0.2.7"}, "local": {"eap_id": "bob"}, "apps": ["com.example"]}`)
	code, _, errOut := ctl(t, sock, "", "import", sw)
	if code != exitUsage || !strings.Contains(errOut, "apps: per-application routing") {
		t.Errorf("sswan with apps: %d %q", code, errOut)
	}
	ca, err := os.ReadFile("../../helper/sswan/testdata/ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	writeFile(t, dir, "ca.pem", string(ca))
	f := writeFile(t, dir, "cert.json", `{"name": "c", "gateway": "192.0.2.1", "auth": "eap-mschapv2", "username": "u", "password": "p", "ca": "ca.pem"}`)
	if code, out, errOut := ctl(t, sock, "", "import", f); code != 0 {
		t.Errorf("import with a relative CA path: %d %q %q", code, out, errOut)
	}
	f = writeFile(t, dir, "missing.json", `{"name": "m", "gateway": "192.0.2.1", "auth": "psk", "psk": "k", "ca": "nope.pem"}`)
	if code, _, errOut := ctl(t, sock, "", "import", f); code != 1 || !strings.Contains(errOut, "profile key ca") {
		t.Errorf("import with a missing CA: %d %q", code, errOut)
	}
	f = writeFile(t, dir, "bad.json", `{"name": "b", "gateway": "192.0.2.1:70000", "auth": "psk", "psk": "k"}`)
	if code, _, errOut := ctl(t, sock, "", "import", f); code != exitUsage || !strings.Contains(errOut, "gateway: ") {
		t.Errorf("import invalid: %d %q", code, errOut)
	}
}

func TestHelperNotRunning(t *testing.T) {
	sock := filepath.Join(t.TempDir(), "none.sock")
	code, _, errOut := ctl(t, sock, "", "status")
	if code != exitNotRunning || !strings.Contains(errOut, "the Espresso helper is not running") || strings.Count(errOut, "\n") != 1 {
		t.Errorf("%d %q", code, errOut)
	}
}

func TestUsage(t *testing.T) {
	for _, args := range [][]string{{}, {"fly"}, {"up"}, {"remove", "a", "b"}, {"logs", "x"}} {
		code, _, errOut := ctl(t, "/nonexistent", "", args...)
		if code != 2 || !strings.Contains(errOut, "usage: espressoctl") {
			t.Errorf("%q: %d %q", args, code, errOut)
		}
	}
}

func TestDescribeAndBytesize(t *testing.T) {
	if got := bytesize(999); got != "999 B" {
		t.Errorf("bytesize(999) = %q", got)
	}
	if got := bytesize(2_500_000); got != "2.5 MB" {
		t.Errorf("bytesize(2.5M) = %q", got)
	}
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	st := api.ConnectionStatus{Name: "w", State: api.StateReconnecting, LastError: "network down"}
	if got := describe(st, nil, now); got != "w: reconnecting: network down" {
		t.Errorf("describe, older helper = %q", got)
	}
	next := now.Add(7500 * time.Millisecond)
	reason := "ike: no answer to INFORMATIONAL after 5 transmissions"
	st = api.ConnectionStatus{Name: "w", State: api.StateReconnecting, LastError: reason, ErrorCode: api.FailurePeerUnreachable,
		Reconnect: &api.Reconnect{Attempt: 3, NextAt: &next, Reason: reason, ErrorCode: api.FailurePeerUnreachable}}
	p := &api.Profile{Name: "w", Gateway: "vpn.example.com", Auth: api.AuthPSK}
	if got := describe(st, p, now); got != "w: reconnecting: attempt 3 in 8s: nothing answers IKE at vpn.example.com:500" {
		t.Errorf("describe, reconnecting = %q", got)
	}
	st.Reconnect.NextAt = nil
	st.Reconnect.ErrorCode = api.FailureInternal
	if got := describe(st, p, now); got != "w: reconnecting: attempt 3 under way: "+reason {
		t.Errorf("describe, dialing = %q", got)
	}
	st = api.ConnectionStatus{Name: "w", State: api.StateFailed, LastError: "ike: peer certificate refused: certificate expired", ErrorCode: api.FailureCertExpired}
	if got := describe(st, p, now); got != "w: failed: the gateway's certificate has expired" {
		t.Errorf("describe, failed = %q", got)
	}
	st = api.ConnectionStatus{Name: "w", State: api.StateFailed, LastError: "ike: CREATE_CHILD_SA: key exchange ML-KEM-768: not a valid key", ErrorCode: api.FailureKeyExchange}
	if got := describe(st, p, now); got != "w: failed: the gateway sent an unusable key exchange" {
		t.Errorf("describe, failed key exchange = %q", got)
	}
	st = api.ConnectionStatus{Name: "w", State: api.StateConnected, Gateway: "vpn.example.com", BytesIn: 2_500_000, BytesOut: 999,
		LastError: "ike: we refused the gateway's rekey of Child SA c1a2b3c4 with NO_PROPOSAL_CHOSEN", ErrorCode: api.FailureRekeyFailed}
	if got := describe(st, p, now); got != "w: connected to vpn.example.com, in 2.5 MB / out 999 B; renewing the tunnel's keys failed (NO_PROPOSAL_CHOSEN)" {
		t.Errorf("describe, connected after a failed rekey = %q", got)
	}
	st.LastError, st.ErrorCode, st.Blocked = "", "", []string{"::/0"}
	if got := describe(st, p, now); got != "w: connected to vpn.example.com, in 2.5 MB / out 999 B, blocked ::/0 (not granted by the gateway)" {
		t.Errorf("describe, connected with a family blocked = %q", got)
	}
	st.Blocked, st.DNS, st.DNSDomains = nil, []string{"203.0.113.53"}, []string{"corp.example", "lab.example"}
	if got := describe(st, p, now); got != "w: connected to vpn.example.com, DNS 203.0.113.53 for corp.example, lab.example, in 2.5 MB / out 999 B" {
		t.Errorf("describe, connected with split DNS = %q", got)
	}
	if got := lowerFirst("IKE is down"); got != "IKE is down" {
		t.Errorf("lowerFirst kept no capitals: %q", got)
	}
}

func TestExplainAccessDenied(t *testing.T) {
	for _, err := range []error{
		&api.AccessDeniedError{Socket: "/s"},
		&api.Error{Code: api.CodeForbidden, Message: "access denied"},
	} {
		if got := errorLine(err, "/s"); !strings.Contains(got, `join the "espresso" group`) {
			t.Errorf("errorLine(%v) = %q", err, got)
		}
	}
}

func TestVersion(t *testing.T) {
	mine := version.String()
	code, out, errOut := ctl(t, "/nonexistent/helper.sock", "", "--version")
	if code != 0 || out != "espressoctl "+mine+"\n" {
		t.Errorf("--version: %d %q %q", code, out, errOut)
	}
	// The test helper reports "test", which differs from any real version.
	sock := helper(t, dialer{})
	code, out, errOut = ctl(t, sock, "", "version")
	if code != 0 || !strings.HasPrefix(out, "espressoctl "+mine+"\nespresso-helper test (API v1, ") ||
		!strings.Contains(out, "the versions differ: the helper runs test and espressoctl is "+mine) {
		t.Errorf("version: %d %q %q", code, out, errOut)
	}
	code, out, errOut = ctl(t, "/nonexistent/helper.sock", "", "version")
	if code != exitNotRunning || out != "espressoctl "+mine+"\n" || !strings.Contains(errOut, "not running") {
		t.Errorf("version without a helper: %d %q %q", code, out, errOut)
	}
}

// The *_file keys are read as the user and sent as content, except by
// root, whose absolute paths the helper reads itself.
func TestInlineFileKeys(t *testing.T) {
	dir := t.TempDir()
	writeFile(t, dir, "ca.pem", "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n")
	writeFile(t, dir, "me.p12", "\x30\x82pfx")
	in := []byte(`{"name":"f","ca_file":"ca.pem","p12_file":"` + filepath.Join(dir, "me.p12") + `"}`)
	defer func(f func() int) { euid = f }(euid)
	for _, uid := range []int{1000, 0} {
		euid = func() int { return uid }
		out, err := inlineFiles(in, dir)
		if err != nil {
			t.Fatalf("uid %d: %v", uid, err)
		}
		var p api.Profile
		if err := json.Unmarshal(out, &p); err != nil {
			t.Fatal(err)
		}
		if uid != 0 && (p.CAFile != "" || p.P12File != "" || !strings.HasPrefix(p.CA, "-----BEGIN") || p.P12 != "MIJwZng=") {
			t.Errorf("as a user: %+v", p)
		}
		if uid == 0 && (p.CAFile != filepath.Join(dir, "ca.pem") || p.P12File != filepath.Join(dir, "me.p12") || p.CA != "" || p.P12 != "") {
			t.Errorf("as root: %+v", p)
		}
	}
	euid = func() int { return 1000 }
	if _, err := inlineFiles([]byte(`{"name":"f","p12_file":"/nonexistent/me.p12"}`), dir); err == nil {
		t.Error("a missing p12_file was ignored")
	}
}

// always-on marks, shows and clears the default always-on profile, which
// list and status show, and the helper connects it by itself; down holds
// it down and says so.
func TestAlwaysOn(t *testing.T) {
	sock := helper(t, dialer{})
	f := writeFile(t, t.TempDir(), "work.json", `{"name": "work", "gateway": "192.0.2.1", "auth": "psk", "psk": "correct horse"}`)
	if code, _, errOut := ctl(t, sock, "", "import", f); code != 0 {
		t.Fatalf("import: %q", errOut)
	}
	if code, out, _ := ctl(t, sock, "", "always-on"); code != 0 || out != "no default always-on profile\n" {
		t.Errorf("always-on: %d %q", code, out)
	}
	if code, out, errOut := ctl(t, sock, "", "always-on", "work"); code != 0 || out != "default always-on profile: work\n" {
		t.Fatalf("always-on work: %d %q %q", code, out, errOut)
	}
	c := api.NewClient(sock)
	defer c.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	// No up: the helper connects the marked profile itself.
	for {
		st, err := c.StatusOf(ctx, "work")
		if err != nil {
			t.Fatal(err)
		}
		if st.State == api.StateConnected {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	code, out, _ := ctl(t, sock, "", "list")
	if code != 0 || !strings.Contains(out, "ALWAYS-ON") || !strings.Contains(out, "connected  default") {
		t.Errorf("list: %d %q", code, out)
	}
	code, out, _ = ctl(t, sock, "", "list", "--json")
	if code != 0 || !strings.Contains(out, `"always_on": true`) || !strings.Contains(out, `"default_always_on": true`) {
		t.Errorf("list --json: %d %q", code, out)
	}
	ctl(t, sock, "", "down", "work")
	code, out, _ = ctl(t, sock, "", "status", "work")
	if code != 0 || out != "work: disconnected (always-on): disconnected by the user; it stays down until connected again\n" {
		t.Errorf("status after down: %d %q", code, out)
	}
	if code, out, _ := ctl(t, sock, "", "always-on", "off"); code != 0 || out != "no default always-on profile\n" {
		t.Errorf("always-on off: %d %q", code, out)
	}
	if code, _, errOut := ctl(t, sock, "", "always-on", "nope"); code == 0 || !strings.Contains(errOut, `no profile named "nope"`) {
		t.Errorf("always-on nope: %d %q", code, errOut)
	}
	if code, _, _ := ctl(t, sock, "", "always-on", "a", "b"); code != exitUsage {
		t.Errorf("two names: %d", code)
	}
}
