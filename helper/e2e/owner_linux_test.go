package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
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
	"github.com/espressovpn/espresso/helper/e2e/lab"
)

// clientEnv makes the test binary one API request (see TestMain and
// clientMain): the attack tests run it as a member of the group.
const clientEnv = "ESPRESSO_E2E_CLIENT"

// clientRequest is one raw API request, sent by a copy of the test binary
// running as another user.
type clientRequest struct {
	Socket, Method, Path string
	Body                 json.RawMessage
}

// clientMain sends the request in req and prints the status code, a
// line break and the response body.
func clientMain(req string) int {
	var r clientRequest
	if err := json.Unmarshal([]byte(req), &r); err != nil {
		fmt.Println(err)
		return 1
	}
	hc := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", r.Socket)
	}}}
	hr, err := http.NewRequest(r.Method, "http://helper"+r.Path, bytes.NewReader(r.Body))
	if err != nil {
		fmt.Println(err)
		return 1
	}
	resp, err := hc.Do(hr)
	if err != nil {
		fmt.Println(err)
		return 1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	fmt.Printf("%d\n%s", resp.StatusCode, body)
	return 0
}

// member is a user the test creates in the espresso group, removed at
// the end of the test whatever its outcome.
type member struct {
	name          string
	uid, gid, grp uint32
	// bin and ctl are copies of the test binary and of espressoctl the
	// user may run (the originals are in directories only root enters).
	bin, ctlBin string
}

// espressoGroup returns the gid of the espresso group, creating the
// group (and removing it at the end) when the system has none, and holds
// it against other test processes until the test ends (lab.LockGroup). The
// helper looks the group up when it starts, so call this first.
func espressoGroup(t *testing.T) uint32 {
	t.Helper()
	lab.LockGroup(t)
	g, err := user.LookupGroup(api.GroupName)
	if err != nil {
		if out, err := exec.Command("groupadd", api.GroupName).CombinedOutput(); err != nil {
			t.Skipf("groupadd %s: %v: %s", api.GroupName, err, out)
		}
		t.Cleanup(func() { exec.Command("groupdel", api.GroupName).Run() })
		if g, err = user.LookupGroup(api.GroupName); err != nil {
			t.Fatal(err)
		}
	}
	gid, _ := strconv.ParseUint(g.Gid, 10, 32)
	return uint32(gid)
}

// newMember creates a user in the espresso group with useradd.
func newMember(t *testing.T, h *lab.Helper, grp uint32, tag string) *member {
	t.Helper()
	name := fmt.Sprintf("esp%s%d", tag, os.Getpid()%100000)
	out, err := exec.Command("useradd", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", "--groups", api.GroupName, name).CombinedOutput()
	if err != nil {
		t.Fatalf("useradd %s: %v: %s", name, err, out)
	}
	t.Cleanup(func() {
		if out, err := exec.Command("userdel", name).CombinedOutput(); err != nil {
			t.Errorf("userdel %s: %v: %s", name, err, out)
		}
	})
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.ParseUint(u.Uid, 10, 32)
	gid, _ := strconv.ParseUint(u.Gid, 10, 32)
	m := &member{name: name, uid: uint32(uid), gid: uint32(gid), grp: grp}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	m.bin = copyExecutable(t, exe, filepath.Join(h.Dir, "client-"+tag))
	m.ctlBin = copyExecutable(t, h.Bins.Ctl, filepath.Join(h.Dir, "espressoctl-"+tag))
	return m
}

func copyExecutable(t *testing.T, from, to string) string {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return to
}

func (m *member) credential() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: m.uid, Gid: m.gid, Groups: []uint32{m.grp}}}
}

// call sends one API request as the member and returns the status and
// the body.
func (m *member) call(t *testing.T, h *lab.Helper, method, path string, body any) (int, string) {
	t.Helper()
	var raw json.RawMessage
	switch b := body.(type) {
	case nil:
	case []byte:
		raw = b
	default:
		raw, _ = json.Marshal(b)
	}
	req, _ := json.Marshal(clientRequest{Socket: h.Socket, Method: method, Path: path, Body: raw})
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, m.bin)
	cmd.Env = []string{clientEnv + "=" + string(req)}
	cmd.SysProcAttr = m.credential()
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s as %s: %v: %s", method, path, m.name, err, out)
	}
	code, rest, _ := strings.Cut(string(out), "\n")
	n, err := strconv.Atoi(code)
	if err != nil {
		t.Fatalf("%s %s as %s: %s", method, path, m.name, out)
	}
	return n, rest
}

// ctl runs espressoctl as the member.
func (m *member) ctl(t *testing.T, h *lab.Helper, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, m.ctlBin, append([]string{"--socket", h.Socket}, args...)...)
	cmd.SysProcAttr = m.credential()
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func profilePath(name string) string { return strings.Replace(api.PathProfile, "{name}", name, 1) }
func connectPath(name string) string { return strings.Replace(api.PathConnect, "{name}", name, 1) }

// TestAttackFileRead: a member cannot make the helper read a file as
// root. A value that looks like a relative path ("etc///passwd" is valid
// base64), in a profile or a .sswan file, is data and never opened; a
// path in p12_file is refused naming the field; dev/zero and a FIFO do
// not hang the helper; no error quotes a file's bytes.
func TestAttackFileRead(t *testing.T) {
	grp := espressoGroup(t)
	r := newRig(t, false)
	m := newMember(t, r.h, grp, "a")
	passwd, err := os.ReadFile("/etc/passwd")
	if err != nil {
		t.Fatal(err)
	}
	firstLine, _, _ := strings.Cut(string(passwd), "\n")
	leaked := func(what, s string) {
		t.Helper()
		if strings.Contains(s, firstLine) || strings.Contains(s, "root:x:") || strings.Contains(s, "/bin/") {
			t.Errorf("%s shows /etc/passwd:\n%s", what, s)
		}
	}
	ca := r.gw.EAPTLSProfile("x").CA
	for _, value := range []string{"etc///passwd", "dev/zero"} {
		name := "p" + strings.NewReplacer("/", "", "_", "").Replace(value)
		p := api.Profile{Name: name, Gateway: r.gw.EAPTLSProfile("x").Gateway, Auth: api.AuthEAPTLS, P12: value, CA: ca}
		code, body := m.call(t, r.h, "POST", api.PathProfiles, p)
		leaked("import of p12 "+value, body)
		if code != http.StatusCreated {
			continue // refused as data: nothing was opened
		}
		// Connecting reads the credential: it must fail as data, at once.
		code, body = m.call(t, r.h, "POST", connectPath(name)+"?wait=true", nil)
		leaked("connect with p12 "+value, body)
		if code == http.StatusOK {
			t.Errorf("connect with p12 %q succeeded", value)
		}
		st, err := r.h.Status(name)
		if err != nil {
			t.Fatal(err)
		}
		leaked("status", st.LastError)
		m.ctl(t, r.h, "down", name)
	}

	// The same value in a .sswan file.
	sswan := fmt.Sprintf(`{"uuid":"8bd45c8c-5e5f-4f3b-9f4e-0a7d3b0c6a11","name":"sw","type":"ikev2-cert","remote":{"addr":%q},"local":{"p12":"etc///passwd"}}`,
		r.gw.EAPTLSProfile("x").Gateway)
	code, body := m.call(t, r.h, "POST", api.PathProfiles+"?format=sswan", []byte(sswan))
	leaked(".sswan import", body)
	if code == http.StatusCreated {
		code, body = m.call(t, r.h, "POST", connectPath("sw")+"?wait=true", nil)
		leaked(".sswan connect", body)
		if code == http.StatusOK {
			t.Error("the .sswan profile connected")
		}
	}

	// A path from a member is refused, naming the field.
	p := api.Profile{Name: "pfile", Gateway: "192.0.2.1", Auth: api.AuthEAPTLS, P12File: "/etc/shadow", CA: ca}
	code, body = m.call(t, r.h, "POST", api.PathProfiles, p)
	if code == http.StatusCreated || !strings.Contains(body, `"field":"p12_file"`) {
		t.Errorf("a member's p12_file: %d %s", code, body)
	}

	// Root may name files; a FIFO or a device is refused without a hang.
	fifo := filepath.Join(r.h.Dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for i, path := range []string{fifo, "/dev/zero"} {
		name := fmt.Sprintf("rootfile%d", i)
		p := r.gw.EAPTLSProfile(name)
		p.Cert, p.Key, p.P12File = "", "", path
		r.h.Import(p)
		start := time.Now()
		out, err := r.h.Ctl("up", name)
		if err == nil {
			t.Errorf("up with p12_file %s succeeded: %s", path, out)
		}
		if !strings.Contains(out, "not a regular file") && !strings.Contains(r.h.Log(), "not a regular file") {
			t.Errorf("up with p12_file %s: %s", path, out)
		}
		if d := time.Since(start); d > 30*time.Second {
			t.Errorf("up with p12_file %s took %v", path, d)
		}
		r.h.Ctl("down", name)
	}
	leaked("helper log", r.h.Log())
}

// TestAttackOwners: member B can neither read, edit, connect, disconnect,
// remove nor answer the prompts of member A's profile; and an edit that
// changes the gateway while asking to keep the stored password (the
// owner's own, or root's) sends no stored secret: the password is
// dropped and the helper asks for one.
func TestAttackOwners(t *testing.T) {
	grp := espressoGroup(t)
	r := newRig(t, false)
	a := newMember(t, r.h, grp, "a")
	b := newMember(t, r.h, grp, "b")
	eap := r.gw.EAPProfile("alice")
	if code, body := a.call(t, r.h, "POST", api.PathProfiles, eap); code != http.StatusCreated {
		t.Fatalf("A imports: %d %s", code, body)
	}
	stored := readStored(t, r.h, "alice")
	if stored.Owner != a.uid || stored.Password == "" {
		t.Fatalf("stored owner %d, password kept %v", stored.Owner, stored.Password != "")
	}
	steal := eap.Redacted()
	steal.Gateway = "192.0.2.66"
	attacks := []struct {
		method, path string
		body         any
	}{
		{"GET", profilePath("alice"), nil},
		{"PUT", profilePath("alice"), steal},
		{"POST", api.PathProfiles + "?replace=true", steal},
		{"POST", connectPath("alice") + "?wait=true", nil},
		{"POST", strings.Replace(api.PathDisconnect, "{name}", "alice", 1), nil},
		{"DELETE", profilePath("alice"), nil},
	}
	for _, at := range attacks {
		code, body := b.call(t, r.h, at.method, at.path, at.body)
		if code != http.StatusForbidden {
			t.Errorf("B %s %s: %d %s", at.method, at.path, code, body)
		}
		if strings.Contains(body, eap.Password) || strings.Contains(body, eap.RemoteID) {
			t.Errorf("B %s %s sees A's details: %s", at.method, at.path, body)
		}
	}
	for _, cmd := range []string{"up", "down", "remove"} {
		if out, err := b.ctl(t, r.h, cmd, "alice"); err == nil || !strings.Contains(out, "belongs to another user") {
			t.Errorf("B's espressoctl %s of A's profile: %v: %s", cmd, err, out)
		}
	}
	if after := readStored(t, r.h, "alice"); after.Gateway != eap.Gateway || after.Password != eap.Password {
		t.Error("B changed A's profile")
	}
	if st, _ := r.h.Status("alice"); st.State != api.StateDisconnected {
		t.Errorf("A's profile is %s after B's attempts", st.State)
	}
	code, body := b.call(t, r.h, "GET", api.PathProfiles, nil)
	if code != http.StatusOK || !strings.Contains(body, `"alice"`) || strings.Contains(body, eap.Gateway) || strings.Contains(body, "has_password") {
		t.Errorf("B's list: %d %s", code, body)
	}

	// A's profile without a password asks when connecting; B cannot
	// answer the prompt.
	ask := r.gw.EAPProfile("ask")
	ask.Password = ""
	if code, body := a.call(t, r.h, "POST", api.PathProfiles, ask); code != http.StatusCreated {
		t.Fatalf("A imports: %d %s", code, body)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	c := api.NewClient(r.h.Socket)
	defer c.CloseIdleConnections()
	w, err := c.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if code, body := a.call(t, r.h, "POST", connectPath("ask"), nil); code != http.StatusAccepted {
		t.Fatalf("A connects: %d %s", code, body)
	}
	pr := nextPrompt(t, w, "ask")
	code, body = b.call(t, r.h, "POST", strings.Replace(api.PathPrompt, "{id}", pr.ID, 1), api.PromptAnswer{Password: "mallory", Remember: true})
	if code != http.StatusForbidden {
		t.Errorf("B answers A's prompt: %d %s", code, body)
	}
	if readStored(t, r.h, "ask").Password != "" {
		t.Error("B's answer was stored")
	}
	if out, err := a.ctl(t, r.h, "down", "ask"); err != nil {
		t.Fatalf("A's espressoctl down: %v: %s", err, out)
	}

	// The gateway-change attack, by the owner and by root: the profile
	// holds a password for one gateway; an edit points it at another
	// (here the lab's, which would accept the password) and asks to keep
	// the stored password. The password stays behind: the helper has
	// none to send and asks for one instead of authenticating.
	elsewhere := eap
	elsewhere.Gateway = "192.0.2.66"
	for _, by := range []string{"owner", "root"} {
		if code, body := a.call(t, r.h, "PUT", profilePath("alice"), elsewhere); code != http.StatusOK {
			t.Fatalf("A stores the password for another gateway: %d %s", code, body)
		}
		edit := elsewhere.Redacted()
		edit.Gateway = eap.Gateway // where the attacker listens
		if by == "owner" {
			if code, body := a.call(t, r.h, "PUT", profilePath("alice"), edit); code != http.StatusOK {
				t.Fatalf("A edits: %d %s", code, body)
			}
		} else if _, err := c.UpdateProfile(ctx, edit); err != nil {
			t.Fatal(err)
		}
		if got := readStored(t, r.h, "alice"); got.Password != "" {
			t.Fatalf("edit by %s kept the password with the new gateway", by)
		}
		if code, body := a.call(t, r.h, "POST", connectPath("alice"), nil); code != http.StatusAccepted {
			t.Fatalf("A connects: %d %s", code, body)
		}
		nextPrompt(t, w, "alice")
		if st, _ := r.h.Status("alice"); st.State == api.StateConnected {
			t.Errorf("edit by %s: connected with the stored password", by)
		}
		if out, err := a.ctl(t, r.h, "down", "alice"); err != nil {
			t.Fatalf("A's espressoctl down: %v: %s", err, out)
		}
	}
}

// readStored reads a profile's file in the helper's store, as root.
func readStored(t *testing.T, h *lab.Helper, name string) api.Profile {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(h.StateDir, "profiles", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var p api.Profile
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatal(err)
	}
	return p
}

// nextPrompt reads the watch stream until a prompt for profile opens;
// the stream's context bounds the wait.
func nextPrompt(t *testing.T, w *api.Stream[api.Event], profile string) api.Prompt {
	t.Helper()
	for {
		ev, err := w.Next()
		if err != nil {
			t.Fatalf("waiting for a prompt of %s: %v", profile, err)
		}
		if ev.Kind == api.EventPrompt && ev.Prompt.Profile == profile {
			return *ev.Prompt
		}
	}
}
