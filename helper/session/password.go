package session

import (
	"context"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
)

// The EAP-MSCHAPv2 password of an always-on profile is known before Dial:
// the manager (helper/conn) asks the user first when the profile stores
// none. An on-demand session lives long and negotiates when traffic
// starts it, so it asks by itself, then: through the Attempt's Prompt,
// when a negotiation is due without a password or
// after the gateway refused the one it had (which is then dropped rather
// than tried again at every packet).

// passwordState is the on-demand session's password business; the loop
// owns it after Dial.
type passwordState struct {
	// ask asks the user; nil when the attempt brought none.
	ask PasswordPrompt
	// answers carries the outcome of a question to the loop; nil without
	// ask.
	answers chan passwordAnswer
	// asking reports a question under way; traffic meanwhile starts
	// nothing.
	asking bool
	// refused reports that the gateway refused the password used last.
	refused bool
}

// passwordAnswer is the outcome of asking.
type passwordAnswer struct {
	password string
	err      error
}

// needsPassword reports whether a negotiation would lack the password.
func (st *settings) needsPassword() bool {
	return st.auth == profile.AuthEAPMSCHAPv2 && st.password.Empty()
}

// takePrompt keeps the attempt's PasswordPrompt for an on-demand
// session. A session that needs a password and cannot ask for it cannot
// work.
func (s *Session) takePrompt(ask PasswordPrompt) error {
	if ask != nil && s.st.onDemand {
		s.pw.ask = ask
		s.pw.answers = make(chan passwordAnswer, 1)
		return nil
	}
	if s.st.needsPassword() {
		return &ProfileError{Field: api.FieldPassword, Reason: "required: store one or give it when connecting"}
	}
	return nil
}

// askPassword asks the user in a goroutine the session owns; the answer
// reaches the loop through answered. Called by the loop.
func (s *Session) askPassword() {
	s.pw.asking = true
	retry := s.pw.refused
	s.logf(api.LevelInfo, "on demand: asking for the password")
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		// The question ends when the session closes: ask honours ctx,
		// so its goroutine ends once cancel runs.
		res := make(chan passwordAnswer, 1)
		go func() {
			pw, err := s.pw.ask(ctx, retry)
			res <- passwordAnswer{pw, err}
		}()
		select {
		case a := <-res:
			select {
			case s.pw.answers <- a:
			case <-s.quit:
			}
		case <-s.quit:
			cancel()
			<-res
		}
	}()
}

// answered starts the negotiation with the user's password. Without one
// (cancelled, or nobody answered in time) the session ends, and the
// manager fails the connection: asking again at the next packet would
// only pester a user who said no or is away.
func (s *Session) answered(a passwordAnswer) {
	s.pw.asking = false
	if a.err != nil {
		s.logf(api.LevelError, "on demand: %v", a.err)
		s.end(a.err)
		return
	}
	s.st.setPassword(profile.NewSecret(a.password))
	if err := s.negotiate(); err != nil {
		s.rearm(err)
	}
}

// forgetRefused drops a password the gateway refused (err), so that the
// next negotiation asks for another; the loop calls it when an on-demand
// negotiation ends.
func (s *Session) forgetRefused(err error) {
	if s.pw.ask == nil || s.st.auth != profile.AuthEAPMSCHAPv2 || failureCode(err) != api.FailureEAPRejected {
		return
	}
	s.st.setPassword(nil)
	s.pw.refused = true
}
