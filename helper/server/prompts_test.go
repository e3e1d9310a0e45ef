package server

import (
	"context"
	"errors"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/session"
)

// passwordDialer connects at once and records the password of each dial.
type passwordDialer struct {
	mu        sync.Mutex
	passwords []string
}

func (d *passwordDialer) Dial(ctx context.Context, a session.Attempt) (session.Conn, error) {
	d.mu.Lock()
	d.passwords = append(d.passwords, a.Profile.Password.Reveal())
	d.mu.Unlock()
	return &fakeSession{done: make(chan struct{})}, nil
}

func (d *passwordDialer) last() (string, int) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.passwords) == 0 {
		return "", 0
	}
	return d.passwords[len(d.passwords)-1], len(d.passwords)
}

func eapProfile(name string) api.Profile {
	return api.Profile{Name: name, Gateway: "192.0.2.1", Auth: api.AuthEAPMSCHAPv2, Username: "alice", CAFile: "/etc/espresso/ca.pem"}
}

// awaitPrompt reads the watch stream until a prompt opens.
func awaitPrompt(t *testing.T, w *api.Stream[api.Event]) api.Prompt {
	t.Helper()
	return awaitPromptEvent(t, w, func(ev api.Event) bool { return ev.Kind == api.EventPrompt })
}

// awaitClosed reads the watch stream until prompt id closes.
func awaitClosed(t *testing.T, w *api.Stream[api.Event], id string) api.Prompt {
	t.Helper()
	return awaitPromptEvent(t, w, func(ev api.Event) bool {
		return ev.Kind == api.EventPromptClosed && ev.Prompt.ID == id
	})
}

// awaitPromptEvent reads the watch stream until an event matches and
// returns that event's prompt; the stream's context bounds the wait.
func awaitPromptEvent(t *testing.T, w *api.Stream[api.Event], match func(api.Event) bool) api.Prompt {
	t.Helper()
	for {
		ev, err := w.Next()
		if err != nil {
			t.Fatalf("watch: %v", err)
		}
		if match(ev) {
			return *ev.Prompt
		}
	}
}

// watchedHarness is a running helper holding one profile, with a watch
// stream opened before anything else happens.
type watchedHarness struct {
	*harness
	ctx   context.Context
	watch *api.Stream[api.Event]
}

// startWatched starts a helper over d holding p and opens its watch
// stream; it skips when not root, because the test client must pass the
// helper's peer check.
func startWatched(t *testing.T, d session.Dialer, p api.Profile) *watchedHarness {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test client must pass the helper's peer check")
	}
	h := start(t, d, Authorizer{}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	t.Cleanup(cancel)
	if _, err := h.client.CreateProfile(ctx, p, false); err != nil {
		t.Fatal(err)
	}
	w, err := h.client.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return &watchedHarness{harness: h, ctx: ctx, watch: w}
}

// promptHarness is a watched helper holding the EAP profile "eap" without
// a stored password, and the dialer that records the passwords it gets.
type promptHarness struct {
	*watchedHarness
	dialer *passwordDialer
}

// startPrompts starts a promptHarness.
func startPrompts(t *testing.T) *promptHarness {
	t.Helper()
	d := &passwordDialer{}
	return &promptHarness{watchedHarness: startWatched(t, d, eapProfile("eap")), dialer: d}
}

// connectWaiting connects "eap" waiting for the result in a goroutine,
// since the connect blocks on the prompt the test answers; the channel
// yields the connect's error.
func (h *promptHarness) connectWaiting() <-chan error {
	done := make(chan error, 1)
	go func() {
		_, err := h.client.Connect(h.ctx, "eap", api.ConnectRequest{}, true)
		done <- err
	}()
	return done
}

// An EAP profile without a password connects through a prompt answered
// over the API; remember stores the password, so the next connect asks
// nothing.
func TestPromptAnsweredOverAPI(t *testing.T) {
	h := startPrompts(t)
	ctx, w, d := h.ctx, h.watch, h.dialer
	if v, err := h.client.Version(ctx); err != nil || v.PromptProtocol != api.PromptProtocol {
		t.Errorf("version = %+v, %v", v, err)
	}

	done := h.connectWaiting()
	p := awaitPrompt(t, w)
	if p.Profile != "eap" || p.Username != "alice" || p.Reason != api.PromptConnect {
		t.Errorf("prompt = %+v", p)
	}
	// A watcher that comes late sees the prompt in its snapshot.
	late, err := h.client.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	snap, err := late.Next()
	late.Close()
	if err != nil || len(snap.Prompts) != 1 || snap.Prompts[0].ID != p.ID {
		t.Errorf("late snapshot prompts = %+v, %v", snap.Prompts, err)
	}

	err = h.client.AnswerPrompt(ctx, p.ID, api.PromptAnswer{})
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeBadRequest || e.Field != "password" {
		t.Errorf("empty answer: %v", err)
	}
	if err := h.client.AnswerPrompt(ctx, p.ID, api.PromptAnswer{Password: "hunter2", Remember: true}); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Fatalf("connect: %v", err)
	}
	if c := awaitClosed(t, w, p.ID); c.Outcome != api.PromptAnswered {
		t.Errorf("closed = %+v", c)
	}
	if pw, _ := d.last(); pw != "hunter2" {
		t.Error("the dial did not get the answered password (mismatch)")
	}
	if err := h.client.AnswerPrompt(ctx, p.ID, api.PromptAnswer{Password: "x"}); !errors.Is(err, &api.Error{Code: api.CodeNotFound}) {
		t.Errorf("second answer: %v", err)
	}
	if stored, _ := h.store.Get("eap"); stored.Password != "hunter2" {
		t.Error("remember did not store the password (mismatch)")
	}
	if got, _ := h.client.Profile(ctx, "eap"); !got.HasPassword || got.Password != "" {
		t.Error("the profile read back lacks has_password or carries the password")
	}

	if _, err := h.client.Disconnect(ctx, "eap"); err != nil {
		t.Fatal(err)
	}
	// The stored password serves the next connect without a prompt.
	if _, err := h.client.Connect(ctx, "eap", api.ConnectRequest{}, true); err != nil {
		t.Fatalf("second connect: %v", err)
	}
	if pw, n := d.last(); pw != "hunter2" || n != 2 {
		t.Errorf("second connect: %d dials, stored password used: %v", n, pw == "hunter2")
	}
}

// Without remember the password serves this connection only; a password
// sent with the connect request needs no prompt and is not stored.
func TestPromptWithoutRememberAndGivenPassword(t *testing.T) {
	h := startPrompts(t)
	ctx, w, d := h.ctx, h.watch, h.dialer
	if _, err := h.client.Connect(ctx, "eap", api.ConnectRequest{}, false); err != nil {
		t.Fatal(err)
	}
	p := awaitPrompt(t, w)
	if err := h.client.AnswerPrompt(ctx, p.ID, api.PromptAnswer{Password: "once"}); err != nil {
		t.Fatal(err)
	}
	awaitClosed(t, w, p.ID)
	if stored, _ := h.store.Get("eap"); stored.Password != "" {
		t.Error("a password not to remember was stored")
	}
	if _, err := h.client.Disconnect(ctx, "eap"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.Connect(ctx, "eap", api.ConnectRequest{Password: "given"}, true); err != nil {
		t.Fatalf("connect with a password: %v", err)
	}
	if pw, _ := d.last(); pw != "given" {
		t.Error("the given password was not used (mismatch)")
	}
	if stored, _ := h.store.Get("eap"); stored.Password != "" {
		t.Error("the connect-time password was stored")
	}
}

// A cancelled prompt fails the waiting connect with password_cancelled.
func TestPromptCancelledOverAPI(t *testing.T) {
	h := startPrompts(t)
	ctx, w := h.ctx, h.watch
	done := h.connectWaiting()
	p := awaitPrompt(t, w)
	if err := h.client.AnswerPrompt(ctx, p.ID, api.PromptAnswer{Cancel: true}); err != nil {
		t.Fatal(err)
	}
	err := <-done
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeConnectFailed || e.ErrorCode != api.FailurePasswordCancelled {
		t.Errorf("connect = %v", err)
	}
	if c := awaitClosed(t, w, p.ID); c.Outcome != api.PromptCancelled {
		t.Errorf("closed = %+v", c)
	}
}

// A password that cannot be stored is not used either: the answer fails
// and the prompt waits on for another.
func TestPromptRememberFailsKeepsPrompt(t *testing.T) {
	h := startPrompts(t)
	ctx, w, d := h.ctx, h.watch, h.dialer
	if _, err := h.client.Connect(ctx, "eap", api.ConnectRequest{}, false); err != nil {
		t.Fatal(err)
	}
	p := awaitPrompt(t, w)
	// The profile changes under the prompt to one that takes no password.
	psk := pskProfile("eap")
	if _, err := h.client.UpdateProfile(ctx, psk); err != nil {
		t.Fatal(err)
	}
	err := h.client.AnswerPrompt(ctx, p.ID, api.PromptAnswer{Password: "pw", Remember: true})
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeInternal || !strings.Contains(e.Message, "storing the password failed") {
		t.Errorf("answer = %v", err)
	}
	if _, n := d.last(); n != 0 {
		t.Error("dialled with a password that could not be stored")
	}
	if err := h.client.AnswerPrompt(ctx, p.ID, api.PromptAnswer{Password: "pw"}); err != nil {
		t.Errorf("the prompt did not wait on: %v", err)
	}
}
