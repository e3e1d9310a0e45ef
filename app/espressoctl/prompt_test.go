package main

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/mschapv2"
)

// passwordDialer connects a profile whose password is want and refuses
// any other as the gateway would (EAP-MSCHAPv2 error 691).
type passwordDialer struct{ want string }

func (d passwordDialer) Dial(ctx context.Context, a session.Attempt) (session.Conn, error) {
	if a.Profile.Password.Reveal() != d.want {
		return nil, &ike.EAPError{Method: eap.TypeMSCHAPv2, Err: &mschapv2.FailureError{Code: mschapv2.ErrorAuthenticationFailed}}
	}
	return &fakeConn{done: make(chan struct{})}, nil
}

// typing is a terminal whose user types the replies in turn; with none
// left it waits until the question is withdrawn.
type typing struct {
	mu      sync.Mutex
	replies []reply
	asked   []string
}

type reply struct {
	text string
	err  error
}

func (k *typing) read(ctx context.Context, prompt string) (string, error) {
	k.mu.Lock()
	k.asked = append(k.asked, prompt)
	if len(k.replies) > 0 {
		r := k.replies[0]
		k.replies = k.replies[1:]
		k.mu.Unlock()
		return r.text, r.err
	}
	k.mu.Unlock()
	<-ctx.Done()
	return "", ctx.Err()
}

func (k *typing) ReadPassword(ctx context.Context, prompt string) (string, error) {
	return k.read(ctx, prompt)
}

func (k *typing) ReadLine(ctx context.Context, prompt string) (string, error) {
	return k.read(ctx, prompt)
}

func (k *typing) questions() string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return strings.Join(k.asked, "|")
}

// ctlAt runs espressoctl with a terminal.
func ctlAt(t *testing.T, sock string, tty terminal, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out, errOut bytes.Buffer
	code := runOn(ctx, append([]string{"--socket", sock}, args...), strings.NewReader(""), tty, &out, &errOut)
	return code, out.String(), errOut.String()
}

func importEAP(t *testing.T, sock string) {
	t.Helper()
	f := writeFile(t, t.TempDir(), "eap.json", `{"name": "eap", "gateway": "192.0.2.1", "auth": "eap-mschapv2", "username": "alice"}`)
	if code, _, errOut := ctl(t, sock, "", "import", f); code != 0 {
		t.Fatalf("import: %s", errOut)
	}
}

// up on a terminal answers the helper's prompt: the password without
// echo, then whether to remember it; remembered, the next up needs no
// terminal at all.
func TestUpAsksOnTheTerminal(t *testing.T) {
	sock := helper(t, passwordDialer{want: "s3cret"})
	importEAP(t, sock)
	k := &typing{replies: []reply{{text: "s3cret"}, {text: "y"}}}
	code, out, errOut := ctlAt(t, sock, k, "up", "eap")
	if code != 0 || !strings.Contains(out, "eap: connected") {
		t.Fatalf("up: %d %q %q", code, out, errOut)
	}
	want := "Espresso is connecting eap and needs the password of alice.\nPassword: |Remember the password? [y/N] "
	if got := k.questions(); got != want {
		t.Errorf("questions %q, want %q", got, want)
	}
	p, err := api.NewClient(sock).Profile(context.Background(), "eap")
	if err != nil || !p.HasPassword {
		t.Fatalf("remembered password not stored: %+v, %v", p, err)
	}
	if code, _, errOut := ctl(t, sock, "", "down", "eap"); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := ctl(t, sock, "", "up", "eap"); code != 0 {
		t.Errorf("up with the stored password and no terminal: %d %q", code, errOut)
	}
}

// A wrong password fails up with the gateway's refusal; the next up asks
// again, saying the last one was refused; Ctrl-C cancels.
func TestUpWrongPasswordThenCancel(t *testing.T) {
	sock := helper(t, passwordDialer{want: "s3cret"})
	importEAP(t, sock)
	k := &typing{replies: []reply{{text: "wrong"}, {text: "n"}}}
	code, _, errOut := ctlAt(t, sock, k, "up", "eap")
	if code != exitAuth || !strings.HasPrefix(errOut, "espressoctl up: the gateway rejected the password for alice") {
		t.Errorf("wrong password: %d %q", code, errOut)
	}
	p, _ := api.NewClient(sock).Profile(context.Background(), "eap")
	if p.HasPassword {
		t.Error("a password not to remember was stored")
	}
	k = &typing{replies: []reply{{err: errInterrupted}}}
	code, _, errOut = ctlAt(t, sock, k, "up", "eap")
	if code != 1 || !strings.Contains(errOut, "password request was cancelled") {
		t.Errorf("cancelled: %d %q", code, errOut)
	}
	if q := k.questions(); !strings.HasPrefix(q, "The gateway refused the password given last.") {
		t.Errorf("second question %q does not say the last password was refused", q)
	}
}

// An empty password is asked again rather than sent.
func TestUpEmptyPasswordAskedAgain(t *testing.T) {
	sock := helper(t, passwordDialer{want: "s3cret"})
	importEAP(t, sock)
	k := &typing{replies: []reply{{text: ""}, {text: "s3cret"}, {text: ""}}}
	code, _, errOut := ctlAt(t, sock, k, "up", "eap")
	if code != 0 || !strings.Contains(errOut, "No password typed") {
		t.Errorf("up: %d %q", code, errOut)
	}
}
