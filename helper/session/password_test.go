package session

import (
	"context"
	"encoding/pem"
	"errors"
	"net/netip"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/mschapv2"
)

// onDemandEAP is an on-demand EAP-MSCHAPv2 profile that stores no
// password.
func onDemandEAP(t *testing.T) api.Profile {
	ca, _ := selfSigned(t)
	p := onDemandProfile()
	p.Auth, p.PSK, p.Username = api.AuthEAPMSCHAPv2, "", "alice"
	p.CA = string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Raw}))
	return p
}

// question is one call of the test's PasswordPrompt.
type question struct {
	retry bool
	ctx   context.Context
	reply chan passwordAnswer
}

// errCancelled stands for the manager's error of a cancelled prompt.
var errCancelled = WithCode(api.FailurePasswordCancelled, errors.New("the password request was cancelled"))

// asker is a PasswordPrompt whose questions the test answers.
func asker() (PasswordPrompt, chan question) {
	qs := make(chan question, 4)
	return func(ctx context.Context, retry bool) (string, error) {
		q := question{retry: retry, ctx: ctx, reply: make(chan passwordAnswer, 1)}
		qs <- q
		select {
		case a := <-q.reply:
			return a.password, a.err
		case <-ctx.Done():
			return "", ctx.Err()
		}
	}, qs
}

func dialAsking(t *testing.T, n *testNet, neg Negotiator, p api.Profile, ask PasswordPrompt) *Session {
	t.Helper()
	d := NewConnector(n, Options{Negotiator: neg, RetryDelay: 5 * time.Second, Workers: 1})
	a := attempt(t, p)
	a.Prompt = ask
	cs, err := d.Dial(t.Context(), a)
	if err != nil {
		t.Fatal(err)
	}
	s := cs.(*Session)
	t.Cleanup(func() { s.Close() })
	return s
}

// An on-demand session without a password asks when traffic starts it,
// once however many packets come, and negotiates with the answer; when
// the gateway refuses it, the next packet after the retry delay asks
// again, saying so.
func TestOnDemandAsksForPassword(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newTestNet()
		neg := newFakeNegotiator(nil)
		ask, qs := asker()
		s := dialAsking(t, n, neg, onDemandEAP(t), ask)
		dev := n.device(t)

		dev.Inject(ipv4UDP(cliAddr, lanHost, "wake"))
		dev.Inject(ipv4UDP(cliAddr, lanHost, "more"))
		synctest.Wait()
		var q question
		select {
		case q = <-qs:
		default:
			t.Fatal("traffic did not ask for the password")
		}
		if q.retry {
			t.Error("the first question says the password was refused")
		}
		select {
		case <-neg.started:
			t.Fatal("negotiated before the password was given")
		default:
		}
		q.reply <- passwordAnswer{password: "first"}
		synctest.Wait()
		if len(qs) != 0 {
			t.Errorf("asked %d more times while the first question was open", len(qs))
		}
		var f *fakeNegotiation
		select {
		case f = <-neg.started:
		default:
			t.Fatal("the answer started no negotiation")
		}
		if s.st.password.Reveal() != "first" || eapIdentity(t, f.cfg) != "alice" {
			t.Error("the negotiation did not get the answered password (mismatch)")
		}

		f.opts.OnEvent(&ike.Down{Err: Permanent(&ike.EAPError{Method: eap.TypeMSCHAPv2, Err: &mschapv2.FailureError{Code: mschapv2.ErrorAuthenticationFailed}})})
		synctest.Wait()
		time.Sleep(5 * time.Second)
		synctest.Wait() // the trap is armed again
		dev.Inject(ipv4UDP(cliAddr, lanHost, "again"))
		synctest.Wait()
		select {
		case q = <-qs:
		default:
			t.Fatal("no new question after the refusal")
		}
		if !q.retry {
			t.Error("the question after a refusal does not say so")
		}
		select {
		case <-s.Done():
			t.Fatal("the session ended")
		default:
		}
		// Close withdraws the open question.
		s.Close()
		if q.ctx.Err() == nil {
			t.Error("the question outlived the session")
		}
	})
}

// A user who cancels ends the on-demand session with the prompt's error,
// which the Manager turns into a failed connection.
func TestOnDemandCancelEndsSession(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newTestNet()
		ask, qs := asker()
		s := dialAsking(t, n, newFakeNegotiator(nil), onDemandEAP(t), ask)
		n.device(t).Inject(ipv4UDP(cliAddr, lanHost, "wake"))
		synctest.Wait()
		q := <-qs
		q.reply <- passwordAnswer{err: errCancelled}
		synctest.Wait()
		select {
		case <-s.Done():
		default:
			t.Fatal("the session goes on after the cancel")
		}
		if !errors.Is(s.Err(), errCancelled) {
			t.Errorf("Err = %v", s.Err())
		}
	})
}

// A session that needs a password and has no way to ask refuses to
// start: an always-on profile gets its password from the Manager before
// Dial.
func TestMissingPasswordWithoutPrompt(t *testing.T) {
	p := onDemandEAP(t)
	p.OnDemand = false
	p.RemoteTS = []string{netip.MustParsePrefix("0.0.0.0/0").String()}
	d := NewConnector(newTestNet(), Options{Negotiator: newFakeNegotiator(nil), Workers: 1})
	ask, _ := asker()
	for _, prompt := range []PasswordPrompt{nil, ask} {
		a := attempt(t, p)
		a.Prompt = prompt
		_, err := d.Dial(t.Context(), a)
		var pe *ProfileError
		if !errors.As(err, &pe) || pe.Field != "password" {
			t.Errorf("Dial = %v, want a password ProfileError", err)
		}
	}
}

// eapIdentity is the identity cfg's EAP peer answers an EAP
// Request/Identity (RFC 3748 §5.1) with.
func eapIdentity(t *testing.T, cfg ike.Config) string {
	t.Helper()
	if cfg.EAP == nil {
		t.Fatal("no EAP peer")
	}
	resp, err := cfg.EAP().Handle([]byte{1, 1, 0, 5, byte(eap.TypeIdentity)})
	if err != nil || len(resp) < 5 {
		t.Fatalf("EAP Request/Identity answered %x, %v", resp, err)
	}
	return string(resp[5:])
}
