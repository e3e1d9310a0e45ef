package e2e

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// promptClient is an API client of the test, answering the helper's
// password prompts as the app would. Its watch stream is read by a
// goroutine that ends with the stream, which the test's cleanup closes.
type promptClient struct {
	t      *testing.T
	c      *api.Client
	events chan api.Event
}

func newPromptClient(t *testing.T, ctx context.Context, socket string) *promptClient {
	t.Helper()
	c := api.NewClient(socket)
	w, err := c.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pc := &promptClient{t: t, c: c, events: make(chan api.Event, 256)}
	read := make(chan struct{})
	go func() {
		defer close(read)
		defer close(pc.events)
		for {
			ev, err := w.Next()
			if err != nil {
				return
			}
			select {
			case pc.events <- ev:
			default:
				t.Error("the test fell behind the watch stream")
				return
			}
		}
	}()
	t.Cleanup(func() {
		w.Close()
		<-read
		c.CloseIdleConnections()
	})
	return pc
}

// connect starts connecting name and returns the prompt the helper
// publishes for it, with the connect's outcome to come on the channel.
func (pc *promptClient) connect(ctx context.Context, name string) (api.Prompt, <-chan error) {
	pc.t.Helper()
	done := make(chan error, 1)
	go func() {
		_, err := pc.c.Connect(ctx, name, api.ConnectRequest{}, true)
		done <- err
	}()
	for {
		select {
		case ev, ok := <-pc.events:
			if !ok {
				pc.t.Fatal("the watch stream ended")
			}
			if ev.Kind == api.EventPrompt && ev.Prompt.Profile == name {
				return *ev.Prompt, done
			}
		case err := <-done:
			pc.t.Fatalf("connect ended without a prompt: %v", err)
		case <-ctx.Done():
			pc.t.Fatal("no prompt")
		}
	}
}

// prompted reports whether a prompt opened among the events so far,
// waiting quiet for the stream to fall silent.
func (pc *promptClient) prompted(quiet time.Duration) bool {
	for {
		select {
		case ev, ok := <-pc.events:
			if !ok {
				return false
			}
			if ev.Kind == api.EventPrompt {
				return true
			}
		case <-time.After(quiet):
			return false
		}
	}
}

// TestEAPPasswordPrompt: an EAP-MSCHAPv2 profile without a stored
// password connects through the helper's prompt, answered over the API.
// A wrong answer fails as eap_rejected and the next connect asks again,
// saying so; the right answer with remember connects and is stored, so
// the next `espressoctl up`, without a terminal, needs no prompt.
func TestEAPPasswordPrompt(t *testing.T) {
	r := newRig(t, false)
	p := r.gw.EAPProfile("work")
	p.Password = ""
	r.h.Import(p)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	pc := newPromptClient(t, ctx, r.h.Socket)

	pr, done := pc.connect(ctx, "work")
	if pr.Username != lab.EAPUser || pr.Reason != api.PromptConnect || pr.Retry {
		t.Errorf("first prompt = %+v", pr)
	}
	if err := pc.c.AnswerPrompt(ctx, pr.ID, api.PromptAnswer{Password: "not-the-password"}); err != nil {
		t.Fatal(err)
	}
	err := <-done
	var e *api.Error
	if errors.As(err, &e) && strings.Contains(e.Message, "not available in this build") {
		t.Skipf("skipping: this espresso-helper has no IKEv2 initiator: %v", err)
	}
	if !errors.As(err, &e) || e.ErrorCode != api.FailureEAPRejected {
		t.Fatalf("connect with a wrong password: %v, want %s", err, api.FailureEAPRejected)
	}

	pr, done = pc.connect(ctx, "work")
	if !pr.Retry {
		t.Errorf("the prompt after a refusal does not say so: %+v", pr)
	}
	if err := pc.c.AnswerPrompt(ctx, pr.ID, api.PromptAnswer{Password: lab.EAPPassword, Remember: true}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("connect with the right password: %v", err)
	}
	if out, err := r.top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no ping through the tunnel: %v\n%s", err, out)
	}
	if got, err := pc.c.Profile(ctx, "work"); err != nil || !got.HasPassword || got.Password != "" {
		t.Errorf("profile after remember: has_password %v, password returned %v, %v", got.HasPassword, got.Password != "", err)
	}
	file := filepath.Join(r.h.StateDir, "profiles", "work.json")
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the profile file holding the password: %v, %v", fi, err)
	}
	r.h.MustCtl("down", "work")

	// The stored password serves `up` without a terminal, and nothing asks.
	out, err := r.h.Ctl("up", "work")
	if err != nil {
		t.Fatalf("up with the stored password: %v\n%s", err, out)
	}
	r.h.MustCtl("down", "work")
	if pc.prompted(500 * time.Millisecond) {
		t.Error("a prompt although the password is stored")
	}
}

// TestWrongPKCS12Password: a PKCS#12 file that does not open with the
// profile's password fails `up` with the reason in words, as this
// computer's problem, before anything is sent to the gateway.
func TestWrongPKCS12Password(t *testing.T) {
	r := newRig(t, false)
	p := r.gw.P12Profile(t, "work", "right")
	p.P12Password = "wrong"
	r.h.Import(p)
	out, err := r.h.Ctl("up", "work")
	if err == nil {
		t.Fatalf("up with a wrong PKCS#12 password succeeded:\n%s", out)
	}
	if !strings.Contains(out, "the password of your certificate file (PKCS#12) is wrong") {
		t.Errorf("up should say the PKCS#12 password is wrong, got:\n%s", out)
	}
	if st, err := r.h.Status("work"); err != nil || st.ErrorCode != api.FailureP12Password {
		t.Errorf("status %+v, %v; want %q", st, err, api.FailureP12Password)
	}
}
