package conn

import (
	"context"
	"sync"
	"testing"
	"testing/synctest"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/session"
)

// zeroed reports whether every byte of b is zero.
func zeroed(b []byte) bool {
	for _, c := range b {
		if c != 0 {
			return false
		}
	}
	return true
}

// secretsDialer records the secrets each attempt carried, as the arrays
// themselves, and answers with a session.
type secretsDialer struct {
	mu        sync.Mutex
	passwords [][]byte
	psks      [][]byte
}

func (d *secretsDialer) Dial(ctx context.Context, a session.Attempt) (session.Conn, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.passwords = append(d.passwords, a.Profile.Password)
	d.psks = append(d.psks, a.Profile.PSK)
	return newFakeSession(), nil
}

// The Manager's copies of a connection's secrets are wiped: the
// attempt's password once the Dialer returned (the session keeps its own
// copy), the cached password and the parsed profile's secrets when the
// connection ends.
func TestSecretsWipedOnDisconnect(t *testing.T) {
	for name, p := range map[string]api.Profile{
		"password": func() api.Profile { p := eapProfile("p"); p.Password = "stored secret"; return p }(),
		"psk":      {Name: "p", Gateway: "192.0.2.1", Auth: api.AuthPSK, PSK: "pre-shared key"},
	} {
		t.Run(name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				d := &secretsDialer{}
				m := newTestManager(t, d, promptPolicy, "p")
				if err := m.Connect(p); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				m.mu.Lock()
				cached := m.conns["p"].password
				m.mu.Unlock()
				d.mu.Lock()
				if len(d.passwords) != 1 {
					t.Fatalf("%d dials", len(d.passwords))
				}
				pw, psk := d.passwords[0], d.psks[0]
				d.mu.Unlock()
				if string(psk) != p.PSK {
					t.Fatal("the attempt lacks the PSK")
				}
				if len(pw) != len(p.Password) || !zeroed(pw) {
					t.Error("the attempt's password survived the Dial")
				}
				if string(cached) != p.Password {
					t.Fatalf("cached password %d bytes, want the stored one", len(cached))
				}
				if err := m.Disconnect(t.Context(), "p"); err != nil {
					t.Fatal(err)
				}
				if !zeroed(cached) || !zeroed(psk) {
					t.Error("a secret survived the end of the connection")
				}
				m.mu.Lock()
				if m.conns["p"].password != nil {
					t.Error("the connection still caches a password")
				}
				m.mu.Unlock()
			})
		})
	}
}

// A password the gateway refused is wiped at once.
func TestRefusedPasswordWiped(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		var m *Manager
		var cached []byte
		d := &hookDialer{hook: func(context.Context, session.Attempt) (session.Conn, error) {
			m.mu.Lock()
			cached = m.conns["eap"].password
			m.mu.Unlock()
			return nil, wrongPassword()
		}}
		m = newTestManager(t, d, promptPolicy, "eap")
		if err := m.ConnectWithPassword(eapProfile("eap"), "given secret"); err != nil {
			t.Fatal(err)
		}
		synctest.Wait()
		if len(cached) != len("given secret") || !zeroed(cached) {
			t.Errorf("the refused password survived (%d bytes cached)", len(cached))
		}
	})
}
