package conn

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// A connection that needs an EAP password it does not have asks the
// user through the watch stream (api.PromptProtocol): the Manager
// publishes an api.Prompt, waits for Answer, the connection's end or
// the prompt timeout, and publishes how the prompt closed. The prompts
// live in the Manager, next to the watchers they are published to.

// DefaultPromptTimeout is how long the Manager waits for the answer to a
// prompt unless WithPromptTimeout says otherwise: long enough to switch
// to the window and type, short enough that a forgotten prompt does not
// hold a connection "connecting" for good.
const DefaultPromptTimeout = 2 * time.Minute

// WithPromptTimeout sets how long a prompt waits for its answer.
func WithPromptTimeout(d time.Duration) Option {
	return func(m *Manager) { m.promptTimeout = d }
}

// PromptError is why a prompt gave no password: ErrPasswordTimeout or
// ErrPasswordCancelled. Dialling again cannot help without the user, so
// it is permanent. An on-demand session ends with it as its prompt
// (session.PasswordPrompt) returned it.
type PromptError struct {
	code api.FailureCode
	msg  string
}

func (e *PromptError) Error() string { return e.msg }

// FailureCode implements session.Coder.
func (e *PromptError) FailureCode() api.FailureCode { return e.code }

// Permanent reports true: without an answer there is nothing to retry
// with.
func (e *PromptError) Permanent() bool { return true }

// Errors of a prompt that gave no password.
var (
	// ErrPasswordTimeout: nobody answered before the prompt timed out.
	ErrPasswordTimeout = &PromptError{api.FailurePasswordTimeout, "the password was asked for and nobody gave it in time"}
	// ErrPasswordCancelled: a client cancelled the prompt.
	ErrPasswordCancelled = &PromptError{api.FailurePasswordCancelled, "the password request was cancelled"}
)

// ErrUnknownPrompt is returned by Answer for a prompt that is not
// waiting: answered already, expired or withdrawn.
var ErrUnknownPrompt = errors.New("no such prompt is waiting for an answer: it was answered, it expired or its connection ended")

// ErrEmptyPassword is returned by Answer for an answer that neither gives
// a password nor cancels.
var ErrEmptyPassword = errors.New("the answer gives no password; send one, or cancel")

// waiting is a prompt waiting for its answer.
type waiting struct {
	prompt api.Prompt
	// answer receives the one answer Answer takes; it has room for it,
	// so Answer never blocks.
	answer chan api.PromptAnswer
}

// ask publishes a prompt for c's password and waits for the answer, the
// timeout or ctx. The answer of a prompt that lost the race against its
// timeout still counts.
func (m *Manager) ask(ctx context.Context, c *profileConn, username string, reason api.PromptReason, retry bool) (string, error) {
	timer := time.NewTimer(m.promptTimeout)
	defer timer.Stop()
	w := &waiting{
		prompt: api.Prompt{
			ID:       rand.Text(),
			Profile:  c.name,
			Username: username,
			Reason:   reason,
			Retry:    retry,
			Expires:  time.Now().Add(m.promptTimeout).UTC(),
		},
		answer: make(chan api.PromptAnswer, 1),
	}
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return "", errShuttingDown
	}
	m.prompts[w.prompt.ID] = w
	m.broadcastLocked(api.Event{Kind: api.EventPrompt, Prompt: ptr(w.prompt)})
	m.mu.Unlock()
	m.log.Logf(api.LevelInfo, c.name, "asking for the password of %s (%s)", username, reason)

	var a api.PromptAnswer
	select {
	case a = <-w.answer:
	case <-timer.C:
		if !m.closePrompt(w, api.PromptExpired) {
			a = <-w.answer
			break
		}
		m.log.Logf(api.LevelWarn, c.name, "nobody gave the password within %s", m.promptTimeout)
		return "", ErrPasswordTimeout
	case <-ctx.Done():
		if !m.closePrompt(w, api.PromptWithdrawn) {
			a = <-w.answer
			break
		}
		return "", ctx.Err()
	}
	if a.Cancel {
		m.log.Logf(api.LevelInfo, c.name, "the password request was cancelled")
		return "", ErrPasswordCancelled
	}
	return a.Password, nil
}

// closePrompt removes w unanswered and tells the watchers; it reports
// false when Answer took it first, whose answer is then in w.answer.
func (m *Manager) closePrompt(w *waiting, outcome api.PromptOutcome) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.prompts[w.prompt.ID] != w {
		return false
	}
	delete(m.prompts, w.prompt.ID)
	m.broadcastClosedLocked(w.prompt, outcome)
	return true
}

func (m *Manager) broadcastClosedLocked(p api.Prompt, outcome api.PromptOutcome) {
	p.Outcome = outcome
	m.broadcastLocked(api.Event{Kind: api.EventPromptClosed, Prompt: &p})
}

// Answer gives the answer to prompt id and returns the prompt it
// answered. The first answer wins: a prompt no longer waiting gives
// ErrUnknownPrompt. An answer without a password must cancel
// (ErrEmptyPassword). Storing a password the user asked to remember is
// the caller's business: the Manager keeps no profiles.
func (m *Manager) Answer(id string, a api.PromptAnswer) (api.Prompt, error) {
	if !a.Cancel && a.Password == "" {
		return api.Prompt{}, ErrEmptyPassword
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	w, ok := m.prompts[id]
	if !ok {
		return api.Prompt{}, ErrUnknownPrompt
	}
	delete(m.prompts, id)
	w.answer <- a
	outcome := api.PromptAnswered
	if a.Cancel {
		outcome = api.PromptCancelled
	}
	m.broadcastClosedLocked(w.prompt, outcome)
	return w.prompt, nil
}

// Prompts returns the prompts waiting for an answer, oldest first.
func (m *Manager) Prompts() []api.Prompt {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.promptsLocked()
}

func (m *Manager) promptsLocked() []api.Prompt {
	out := make([]api.Prompt, 0, len(m.prompts))
	for _, w := range m.prompts {
		out = append(out, w.prompt)
	}
	slices.SortFunc(out, func(a, b api.Prompt) int {
		if c := a.Expires.Compare(b.Expires); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}
