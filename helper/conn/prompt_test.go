package conn

import (
	"context"
	"errors"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/mschapv2"
)

// hookDialer runs the test's function for each Dial and records the
// passwords it was given.
type hookDialer struct {
	mu        sync.Mutex
	passwords []string
	hook      func(ctx context.Context, a session.Attempt) (session.Conn, error)
}

func (d *hookDialer) Dial(ctx context.Context, a session.Attempt) (session.Conn, error) {
	d.mu.Lock()
	d.passwords = append(d.passwords, a.Profile.Password.Reveal())
	hook := d.hook
	d.mu.Unlock()
	return hook(ctx, a)
}

func (d *hookDialer) dialled() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.passwords...)
}

// script answers Dials in turn: a session or an error each.
func script(results ...dialResult) func(context.Context, session.Attempt) (session.Conn, error) {
	var mu sync.Mutex
	return func(ctx context.Context, _ session.Attempt) (session.Conn, error) {
		mu.Lock()
		if len(results) == 0 {
			mu.Unlock()
			<-ctx.Done()
			return nil, ctx.Err()
		}
		r := results[0]
		results = results[1:]
		mu.Unlock()
		if r.err != nil {
			return nil, r.err
		}
		return r.s, nil
	}
}

// promptPolicy reconnects at once after a drop and a second after a
// failed attempt, without a limit.
var promptPolicy = RetryPolicy{Backoff: time.Second, MaxBackoff: 4 * time.Second}

func eapProfile(name string) api.Profile {
	return api.Profile{Name: name, Gateway: "192.0.2.1", Auth: api.AuthEAPMSCHAPv2, Username: "alice", CAFile: "/etc/espresso/ca.pem"}
}

// wrongPassword is the error a Dial returns when the gateway refuses the
// EAP-MSCHAPv2 password (error 691, RFC 2759 §6).
func wrongPassword() error {
	return wrapped{&ike.EAPError{Method: eap.TypeMSCHAPv2, Err: &mschapv2.FailureError{Code: mschapv2.ErrorAuthenticationFailed}}}
}

// nextPrompt returns the next prompt event of w, skipping status events,
// failing if there is none queued.
func nextPrompt(t *testing.T, w *Watcher, kind api.EventKind) api.Prompt {
	t.Helper()
	for {
		select {
		case ev, ok := <-w.C:
			if !ok {
				t.Fatalf("watcher closed before a %s event", kind)
			}
			if ev.Kind == api.EventPrompt || ev.Kind == api.EventPromptClosed {
				if ev.Kind != kind {
					t.Fatalf("event %s (%+v), want %s", ev.Kind, ev.Prompt, kind)
				}
				return *ev.Prompt
			}
		default:
			t.Fatalf("no %s event", kind)
		}
	}
}

// connectAsked connects p, lets its supervisor run until it waits, and
// returns the prompt that opened on w.
func connectAsked(t *testing.T, m *Manager, w *Watcher, p api.Profile) api.Prompt {
	t.Helper()
	if err := m.Connect(p); err != nil {
		t.Fatal(err)
	}
	synctest.Wait()
	return nextPrompt(t, w, api.EventPrompt)
}

// A profile without a password asks for it on the watch stream before
// it dials, and dials with the answer; a second answer finds no prompt.
func TestPromptAnsweredConnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &hookDialer{hook: script(dialResult{s: newFakeSession()})}
		m := newTestManager(t, d, promptPolicy, "eap")
		_, w := m.Watch()
		p := connectAsked(t, m, w, eapProfile("eap"))
		if p.Profile != "eap" || p.Username != "alice" || p.Reason != api.PromptConnect || p.Retry || p.ID == "" ||
			!p.Expires.Equal(time.Now().Add(DefaultPromptTimeout)) {
			t.Errorf("prompt = %+v", p)
		}
		if len(d.dialled()) != 0 {
			t.Fatal("dialled before the password was given")
		}
		snap, w2 := m.Watch()
		defer w2.Close()
		if len(snap.Prompts) != 1 || snap.Prompts[0].ID != p.ID {
			t.Errorf("snapshot prompts = %+v", snap.Prompts)
		}
		if st, _ := m.StatusOf("eap"); st.State != api.StateConnecting {
			t.Errorf("state while asking = %s", st.State)
		}

		if _, err := m.Answer(p.ID, api.PromptAnswer{}); !errors.Is(err, ErrEmptyPassword) {
			t.Errorf("empty answer: %v", err)
		}
		got, err := m.Answer(p.ID, api.PromptAnswer{Password: "s3cret"})
		if err != nil || got.Profile != "eap" {
			t.Fatalf("Answer = %+v, %v", got, err)
		}
		if _, err := m.Wait(context.Background(), "eap"); err != nil {
			t.Fatal(err)
		}
		if pw := d.dialled(); len(pw) != 1 || pw[0] != "s3cret" {
			t.Error("the dial did not get the answered password")
		}
		if c := nextPrompt(t, w, api.EventPromptClosed); c.ID != p.ID || c.Outcome != api.PromptAnswered {
			t.Errorf("closed = %+v", c)
		}
		if _, err := m.Answer(p.ID, api.PromptAnswer{Password: "again"}); !errors.Is(err, ErrUnknownPrompt) {
			t.Errorf("second answer: %v", err)
		}
		if len(m.Prompts()) != 0 {
			t.Errorf("prompts left: %+v", m.Prompts())
		}
	})
}

// Nobody answers: the prompt expires and the connection fails with
// password_timeout, without a dial.
func TestPromptTimeout(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &hookDialer{hook: script()}
		m := newTestManager(t, d, policy, "eap", WithPromptTimeout(30*time.Second))
		_, w := m.Watch()
		if err := m.Connect(eapProfile("eap")); err != nil {
			t.Fatal(err)
		}
		start := time.Now()
		_, err := m.Wait(context.Background(), "eap")
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Code != api.FailurePasswordTimeout {
			t.Fatalf("Wait = %v", err)
		}
		if waited := time.Since(start); waited != 30*time.Second {
			t.Errorf("failed after %v, want 30s", waited)
		}
		p := nextPrompt(t, w, api.EventPrompt)
		if c := nextPrompt(t, w, api.EventPromptClosed); c.ID != p.ID || c.Outcome != api.PromptExpired {
			t.Errorf("closed = %+v", c)
		}
		if st, _ := m.StatusOf("eap"); st.State != api.StateFailed || st.ErrorCode != api.FailurePasswordTimeout {
			t.Errorf("status = %s %s", st.State, st.ErrorCode)
		}
		if len(d.dialled()) != 0 {
			t.Error("dialled without a password")
		}
	})
}

// Cancel is an answer: the connection fails with password_cancelled.
func TestPromptCancelled(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &hookDialer{hook: script()}
		m := newTestManager(t, d, promptPolicy, "eap")
		_, w := m.Watch()
		p := connectAsked(t, m, w, eapProfile("eap"))
		if _, err := m.Answer(p.ID, api.PromptAnswer{Cancel: true}); err != nil {
			t.Fatal(err)
		}
		_, err := m.Wait(context.Background(), "eap")
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Code != api.FailurePasswordCancelled {
			t.Fatalf("Wait = %v", err)
		}
		if c := nextPrompt(t, w, api.EventPromptClosed); c.Outcome != api.PromptCancelled {
			t.Errorf("closed = %+v", c)
		}
		if len(d.dialled()) != 0 {
			t.Error("dialled after a cancel")
		}
	})
}

// Disconnect while the prompt waits withdraws it.
func TestDisconnectWithdrawsPrompt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		m := newTestManager(t, &hookDialer{hook: script()}, policy, "eap")
		_, w := m.Watch()
		p := connectAsked(t, m, w, eapProfile("eap"))
		if err := m.Disconnect(context.Background(), "eap"); err != nil {
			t.Fatal(err)
		}
		if c := nextPrompt(t, w, api.EventPromptClosed); c.ID != p.ID || c.Outcome != api.PromptWithdrawn {
			t.Errorf("closed = %+v", c)
		}
		if st, _ := m.StatusOf("eap"); st.State != api.StateDisconnected {
			t.Errorf("state = %s", st.State)
		}
		if _, err := m.Answer(p.ID, api.PromptAnswer{Password: "late"}); !errors.Is(err, ErrUnknownPrompt) {
			t.Errorf("late answer: %v", err)
		}
	})
}

// A stored password the gateway refuses fails the attempt once; the next
// Connect asks (with Retry) instead of trying it again, and the answer
// serves the reconnection after a drop without another prompt.
func TestRefusedStoredPasswordAsksAtNextConnect(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s1, s2 := newFakeSession(), newFakeSession()
		d := &hookDialer{hook: script(dialResult{err: wrongPassword()}, dialResult{s: s1}, dialResult{s: s2})}
		m := newTestManager(t, d, promptPolicy, "eap")
		_, w := m.Watch()
		stored := eapProfile("eap")
		stored.Password = "old"
		if err := m.Connect(stored); err != nil {
			t.Fatal(err)
		}
		_, err := m.Wait(context.Background(), "eap")
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Code != api.FailureEAPRejected {
			t.Fatalf("first connect: %v", err)
		}

		if err := m.Connect(stored); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		p := nextPrompt(t, w, api.EventPrompt)
		if !p.Retry || p.Reason != api.PromptConnect {
			t.Errorf("prompt after a refusal = %+v", p)
		}
		if _, err := m.Answer(p.ID, api.PromptAnswer{Password: "new"}); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "eap"); err != nil {
			t.Fatal(err)
		}
		s1.drop(errors.New("the network went away"))
		synctest.Wait()
		if st, _ := m.StatusOf("eap"); st.State != api.StateConnected {
			t.Fatalf("after the drop: %s", st.State)
		}
		want := []string{"old", "new", "new"}
		got := d.dialled()
		if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] {
			t.Error("dials used the wrong passwords (mismatch)")
		}
		nextPrompt(t, w, api.EventPromptClosed)
		select {
		case ev := <-w.C:
			for ev.Kind == api.EventStatus {
				select {
				case ev = <-w.C:
				default:
					return
				}
			}
			t.Errorf("unexpected %s event after the reconnection", ev.Kind)
		default:
		}
	})
}

// A password given with the request wins over the refusal of the stored
// one.
func TestGivenPasswordAfterRefusal(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &hookDialer{hook: script(dialResult{err: wrongPassword()}, dialResult{s: newFakeSession()})}
		m := newTestManager(t, d, promptPolicy, "eap")
		stored := eapProfile("eap")
		stored.Password = "old"
		if err := m.Connect(stored); err != nil {
			t.Fatal(err)
		}
		m.Wait(context.Background(), "eap")
		if err := m.ConnectWithPassword(stored, "given"); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "eap"); err != nil {
			t.Fatal(err)
		}
		if got := d.dialled(); len(got) != 2 || got[1] != "given" {
			t.Error("the given password was not used (mismatch)")
		}
		if len(m.Prompts()) != 0 {
			t.Error("asked although a password was given")
		}
	})
}

// A reconnection whose password the gateway now refuses asks again at
// the next attempt (reason reconnect, Retry) instead of failing or
// retrying the refused one.
func TestReconnectRefusedAsksAgain(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s1, s2 := newFakeSession(), newFakeSession()
		d := &hookDialer{hook: script(dialResult{s: s1}, dialResult{err: wrongPassword()}, dialResult{s: s2})}
		m := newTestManager(t, d, promptPolicy, "eap")
		_, w := m.Watch()
		if err := m.ConnectWithPassword(eapProfile("eap"), "first"); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "eap"); err != nil {
			t.Fatal(err)
		}
		s1.drop(errors.New("the network went away"))
		// The attempt at once is refused; the next, a second later, asks.
		time.Sleep(time.Second)
		synctest.Wait()
		p := nextPrompt(t, w, api.EventPrompt)
		if p.Reason != api.PromptReconnect || !p.Retry {
			t.Errorf("prompt = %+v", p)
		}
		if st, _ := m.StatusOf("eap"); st.State != api.StateReconnecting || st.ErrorCode != api.FailureEAPRejected {
			t.Errorf("while asking: %s %s", st.State, st.ErrorCode)
		}
		if _, err := m.Answer(p.ID, api.PromptAnswer{Password: "second"}); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if st, _ := m.StatusOf("eap"); st.State != api.StateConnected {
			t.Errorf("after the answer: %s", st.State)
		}
		if got := d.dialled(); len(got) != 3 || got[1] != "first" || got[2] != "second" {
			t.Error("dials used the wrong passwords (mismatch)")
		}
	})
}

// An on-demand profile is not asked before its Dial: the attempt carries
// a PasswordPrompt that asks with reason "on demand" when the session
// calls it; a session that ends because nobody answered fails the
// connection rather than reconnecting.
func TestOnDemandPromptInAttempt(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		s := newFakeSession()
		var ask session.PasswordPrompt
		d := &hookDialer{hook: func(_ context.Context, a session.Attempt) (session.Conn, error) {
			if ask = a.Prompt; ask == nil {
				t.Error("no PasswordPrompt in the attempt")
			}
			return s, nil
		}}
		m := newTestManager(t, d, promptPolicy, "eap")
		_, w := m.Watch()
		p := eapProfile("eap")
		p.OnDemand = true
		if err := m.Connect(p); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "eap"); err != nil {
			t.Fatal(err)
		}
		if ask == nil {
			t.Fatal("no prompt function")
		}
		got := make(chan error, 1)
		go func() {
			pw, err := ask(context.Background(), false)
			if err == nil && pw != "typed" {
				err = errors.New("wrong password returned (mismatch)")
			}
			got <- err
		}()
		synctest.Wait()
		pr := nextPrompt(t, w, api.EventPrompt)
		if pr.Reason != api.PromptOnDemand {
			t.Errorf("prompt = %+v", pr)
		}
		m.Answer(pr.ID, api.PromptAnswer{Password: "typed"})
		if err := <-got; err != nil {
			t.Fatal(err)
		}

		s.drop(&wrapped{ErrPasswordTimeout})
		synctest.Wait()
		if st, _ := m.StatusOf("eap"); st.State != api.StateFailed || st.ErrorCode != api.FailurePasswordTimeout {
			t.Errorf("after the session gave up: %s %s", st.State, st.ErrorCode)
		}
		if n := len(d.dialled()); n != 1 {
			t.Errorf("%d dials, want 1", n)
		}
	})
}

// A PSK profile is never asked for anything.
func TestPSKNeverPrompts(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &hookDialer{hook: script(dialResult{s: newFakeSession()})}
		m := newTestManager(t, d, promptPolicy, "work")
		if err := m.Connect(profile("work")); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
		if len(m.Prompts()) != 0 {
			t.Error("a PSK profile was asked for a password")
		}
	})
}
