package conn

import (
	"context"

	"github.com/espressovpn/espresso/helper/api"
	prof "github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/session"
)

// The EAP password of a connection comes, in this order, from the
// connect request, from the profile (unless the gateway refused that
// password last time), or from the user through a prompt. Once known it
// serves the connection's reconnections too; it is never written
// anywhere by the Manager. A password the gateway refuses is dropped, so
// the next attempt asks again instead of failing with it over and over:
// the next reconnection, or the user's next Connect.

// takePasswordLocked chooses the password a new supervisor of c starts
// with: given (from the connect request), else p's stored one unless the
// gateway refused it last. The caller holds m.mu.
func takePasswordLocked(c *profileConn, p *prof.Profile, given string) {
	c.password.Wipe()
	c.password = prof.NewSecret(given)
	if c.password.Empty() && !c.refused {
		c.password = p.Password.Clone()
	}
}

// withPassword returns what an attempt dials with: p with the password,
// asking the user first when there is none (reconnecting picks the
// prompt's reason). An on-demand profile is not asked here: its
// session.Conn asks when traffic starts a negotiation without a
// password, or after the gateway refused one, through the returned
// prompt (nil for every other profile), which the attempt carries.
func (m *Manager) withPassword(ctx context.Context, c *profileConn, p *prof.Profile, reconnecting bool) (*prof.Profile, session.PasswordPrompt, error) {
	if !p.Auth.UsesPassword() {
		return p, nil, nil
	}
	m.mu.Lock()
	// The attempt's own copy: the session copies it again and dial wipes
	// this one once the Dialer returns.
	pw, retry := c.password.Clone(), c.refused
	m.mu.Unlock()
	user := p.EAPIdentity()
	var prompt session.PasswordPrompt
	if p.OnDemand {
		// Also with a password: the session asks for another when the
		// gateway refuses it.
		prompt = func(ctx context.Context, retry bool) (string, error) {
			return m.ask(ctx, c, user, api.PromptOnDemand, retry)
		}
	}
	if pw.Empty() && !p.OnDemand {
		reason := api.PromptConnect
		if reconnecting {
			reason = api.PromptReconnect
		}
		answer, err := m.ask(ctx, c, user, reason, retry)
		if err != nil {
			return p, nil, err
		}
		pw = prof.NewSecret(answer)
		m.mu.Lock()
		c.password.Wipe()
		c.password = pw.Clone()
		m.mu.Unlock()
	}
	// The attempt's copy carries the password; the connection's profile
	// keeps the stored one.
	dp := *p
	dp.Password = pw
	return &dp, prompt, nil
}

// passwordRefused drops c's password when err says the gateway refused
// it, and reports whether it did. A profile whose password can be asked
// for again (not on demand: its session asks by itself) may then try
// again with a new one.
func (m *Manager) passwordRefused(c *profileConn, p *prof.Profile, err error) bool {
	if !p.Auth.UsesPassword() || code(err) != api.FailureEAPRejected {
		return false
	}
	m.mu.Lock()
	c.password.Wipe()
	c.password, c.refused = nil, true
	m.mu.Unlock()
	return !p.OnDemand
}
