package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/helper/profile"
)

// peerSocketEnv makes the test binary act as an API client (see TestMain):
// the access tests run it under another uid.
const peerSocketEnv = "ESPRESSO_TEST_PEER_SOCKET"

// peerActionEnv names what the client does instead of clientOutcome's
// requests: "fwmark" runs fwmarkOutcome.
const peerActionEnv = "ESPRESSO_TEST_PEER_ACTION"

func TestMain(m *testing.M) {
	if sock := os.Getenv(peerSocketEnv); sock != "" {
		switch os.Getenv(peerActionEnv) {
		case "fwmark":
			fmt.Println(fwmarkOutcome(sock))
		case "diagnostics":
			fmt.Println(diagnosticsOutcome(sock))
		default:
			fmt.Println(clientOutcome(sock))
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// clientOutcome tries to read the status and to remove profile "work",
// and names what happened to each.
func clientOutcome(sock string) string {
	c := api.NewClient(sock)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, err1 := c.Status(ctx)
	err2 := c.RemoveProfile(ctx, "work")
	return outcome(err1) + " " + outcome(err2)
}

// fwmarkOutcome tries to create profile "mine" with a firewall mark of
// its choosing, to give profile "plain" one, and to edit profile "work"
// keeping its mark (0x2a), and names what happened to each.
func fwmarkOutcome(sock string) string {
	c := api.NewClient(sock)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	mine := pskProfile("mine")
	mine.FWMark = "0x1234"
	_, err1 := c.CreateProfile(ctx, mine, false)
	plain := pskProfile("plain")
	plain.FWMark = "0x1234"
	_, err2 := c.UpdateProfile(ctx, plain)
	work := pskProfile("work")
	work.FWMark = "42"
	work.RemoteTS = []string{"198.51.100.0/25"}
	_, err3 := c.UpdateProfile(ctx, work)
	return outcome(err1) + " " + outcome(err2) + " " + outcome(err3)
}

func outcome(err error) string {
	var e *api.Error
	var ad *api.AccessDeniedError
	switch {
	case err == nil:
		return "ok"
	case errors.As(err, &ad):
		return "socket-denied"
	case errors.As(err, &e) && e.Code == api.CodeForbidden:
		return "forbidden"
	case errors.As(err, &e):
		return string(e.Code)
	}
	return "error:" + strings.ReplaceAll(err.Error(), " ", "_")
}

// runAs runs this test binary as uid:gid against sock and returns its
// outcome line; env is added to the child's environment.
func runAs(t *testing.T, bin, sock string, uid, gid uint32, env ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "-test.run=^$")
	cmd.Env = append([]string{peerSocketEnv + "=" + sock}, env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uid, Gid: gid, Groups: []uint32{}}}
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("child as uid %d: %v", uid, err)
	}
	return strings.TrimSpace(string(out))
}

// worldReachableDir returns a directory others may enter, holding a copy
// of the test binary, removed at the end of the test.
func worldReachableDir(t *testing.T) (dir, bin string) {
	t.Helper()
	dir, err := os.MkdirTemp("", "espresso-access-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.Open(self)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	bin = filepath.Join(dir, "client.test")
	dst, err := os.OpenFile(bin, os.O_CREATE|os.O_WRONLY, 0o755)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(dst, src); err != nil {
		t.Fatal(err)
	}
	if err := dst.Close(); err != nil {
		t.Fatal(err)
	}
	return dir, bin
}

func nobody(t *testing.T) (uid, gid uint32) {
	t.Helper()
	u, err := user.Lookup("nobody")
	if err != nil {
		t.Skipf("no user nobody to run the unprivileged client as: %v", err)
	}
	a, _ := strconv.ParseUint(u.Uid, 10, 32)
	b, _ := strconv.ParseUint(u.Gid, 10, 32)
	return uint32(a), uint32(b)
}

// memberServer starts a server whose group is nobody's own, so that a
// client run as nobody (runAs with uid and gid) is a member, and returns
// the client binary nobody may run and the group's name.
func memberServer(t *testing.T) (h *harness, bin string, uid, gid uint32, group string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs a client as another uid")
	}
	uid, gid = nobody(t)
	g, err := user.LookupGroupId(strconv.FormatUint(uint64(gid), 10))
	if err != nil {
		t.Skipf("nobody's group has no name: %v", err)
	}
	dir, bin := worldReachableDir(t)
	return start(t, fakeDialer{}, Authorizer{Group: g.Name}, dir), bin, uid, gid, g.Name
}

func TestUnprivilegedPeerIsRefused(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: runs a client as another uid")
	}
	uid, gid := nobody(t)
	dir, bin := worldReachableDir(t)
	h := start(t, fakeDialer{}, Authorizer{Group: "espresso-test-no-such-group"}, dir)
	if _, err := h.client.CreateProfile(context.Background(), pskProfile("work"), false); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(h.sock), 0o755)

	// As created: mode 0600 (no group), so the kernel refuses the connect.
	if got := runAs(t, bin, h.sock, uid, gid); got != "socket-denied socket-denied" {
		t.Errorf("socket 0600: %s", got)
	}
	// Even with the socket open to everyone, the peer check refuses.
	if err := os.Chmod(h.sock, 0o666); err != nil {
		t.Fatal(err)
	}
	if got := runAs(t, bin, h.sock, uid, gid); got != "forbidden forbidden" {
		t.Errorf("socket 0666: %s", got)
	}
	if _, err := h.store.Get("work"); err != nil {
		t.Errorf("the refused client removed the profile: %v", err)
	}
}

func TestGroupMemberIsAllowed(t *testing.T) {
	h, bin, uid, gid, group := memberServer(t)
	if _, err := h.client.CreateProfile(context.Background(), pskProfile("work"), false); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(h.sock), 0o755)
	if err := os.Chmod(h.sock, 0o666); err != nil {
		t.Fatal(err)
	}
	// Root's profile is not the member's to remove.
	if got := runAs(t, bin, h.sock, uid, gid); got != "ok not_owner" {
		t.Errorf("member of %s, root's profile: %s", group, got)
	}
	if _, err := h.store.Get("work"); err != nil {
		t.Errorf("the member removed root's profile: %v", err)
	}
	if err := h.store.Delete("work"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.store.PutAs(pskProfile("work"), false, uid); err != nil {
		t.Fatal(err)
	}
	if got := runAs(t, bin, h.sock, uid, gid); got != "ok ok" {
		t.Errorf("member of %s, own profile: %s", group, got)
	}
}

// TestMemberCannotChooseFWMark is the attack of a group member who gives
// a profile a firewall mark of their choosing: packets carrying it would
// pass every kill switch block of that profile. It is refused, on a new
// profile and on an edit, while an edit keeping root's mark is not.
func TestMemberCannotChooseFWMark(t *testing.T) {
	h, bin, uid, gid, _ := memberServer(t)
	ctx := context.Background()
	// The member owns "work" and "plain"; root gave "work" its mark.
	for _, name := range []string{"work", "plain"} {
		if _, err := h.store.PutAs(pskProfile(name), false, uid); err != nil {
			t.Fatal(err)
		}
	}
	work := pskProfile("work")
	work.FWMark = "0x2a"
	if _, err := h.client.UpdateProfile(ctx, work); err != nil {
		t.Fatal(err)
	}
	os.Chmod(filepath.Dir(h.sock), 0o755)
	if err := os.Chmod(h.sock, 0o666); err != nil {
		t.Fatal(err)
	}
	want := string(api.CodeInvalidProfile) + " " + string(api.CodeInvalidProfile) + " ok"
	if got := runAs(t, bin, h.sock, uid, gid, peerActionEnv+"=fwmark"); got != want {
		t.Errorf("member's fwmark requests: %s, want %s", got, want)
	}
	if _, err := h.store.Get("mine"); err == nil {
		t.Error("a member created a profile with a firewall mark")
	}
	if p, err := h.store.Get("plain"); err != nil || p.FWMark != "" {
		t.Errorf("a member gave a profile a firewall mark: %q, %v", p.FWMark, err)
	}
	if p, err := h.store.Get("work"); err != nil || len(p.RemoteTS) != 1 || p.RemoteTS[0] != "198.51.100.0/25" {
		t.Errorf("a member's edit keeping root's mark was not stored: %+v, %v", p, err)
	}
}

// TestRequestWithoutCredentialsIsDenied sends requests that carry no
// peer credentials, or a failure to read them, straight to the server's
// handler: they are refused, not served as root's.
func TestRequestWithoutCredentialsIsDenied(t *testing.T) {
	store, err := profile.Open(filepath.Join(t.TempDir(), "profiles"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Put(pskProfile("work"), false); err != nil {
		t.Fatal(err)
	}
	log := logring.New(10, nil, nil)
	srv := New(Config{Store: store, Manager: conn.NewManager(fakeDialer{}, log, conn.DefaultRetryPolicy), Log: log, Auth: Authorizer{}, Version: "test"})
	for what, ctx := range map[string]context.Context{
		"no credentials":     context.Background(),
		"credentials failed": context.WithValue(context.Background(), peerKey{}, peerInfo{err: errNoCredentials}),
	} {
		r := httptest.NewRequestWithContext(ctx, http.MethodDelete, strings.Replace(api.PathProfile, "{name}", "work", 1), nil)
		w := httptest.NewRecorder()
		srv.http.Handler.ServeHTTP(w, r)
		if w.Code != http.StatusForbidden {
			t.Errorf("%s: status %d, want 403: %s", what, w.Code, w.Body)
		}
		if got := peerFrom(r).UID; got == 0 {
			t.Errorf("%s: peerFrom says root", what)
		}
	}
	if _, err := store.Get("work"); err != nil {
		t.Errorf("a request without credentials removed the profile: %v", err)
	}
}

func TestAuthorizer(t *testing.T) {
	if !(Authorizer{}).Allowed(Peer{UID: 0}) {
		t.Error("root refused")
	}
	if (Authorizer{}).Allowed(Peer{UID: 12345, GIDs: []uint32{0}}) {
		t.Error("no group configured, non-root allowed")
	}
	if (Authorizer{Group: "espresso-test-no-such-group"}).Allowed(Peer{UID: 12345}) {
		t.Error("missing group, non-root allowed")
	}
	root, err := user.LookupGroupId("0")
	if err != nil {
		t.Skip("no group 0")
	}
	if !(Authorizer{Group: root.Name}).Allowed(Peer{UID: 12345, GIDs: []uint32{0}}) {
		t.Error("peer whose kernel-reported group is the helper's group refused")
	}
}
