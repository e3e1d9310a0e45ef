package session

import (
	"testing"
	"testing/synctest"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/mschapv2"
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

// The session copies the profile's PSK, negotiates with that copy and
// wipes it when it closes; the profile's own bytes stay the caller's.
func TestCloseWipesPSK(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newTestNet()
		neg := newFakeNegotiator(nil)
		p := onDemandProfile()
		a := attempt(t, p)
		d := NewConnector(n, Options{Negotiator: neg, Workers: 1})
		cs, err := d.Dial(t.Context(), a)
		if err != nil {
			t.Fatal(err)
		}
		s := cs.(*Session)
		psk := s.st.ike.PSK // the backing array the session negotiates with
		if string(psk) != p.PSK {
			t.Fatalf("the session's PSK is %d bytes, want the profile's", len(psk))
		}
		if &psk[0] == &a.Profile.PSK[0] {
			t.Fatal("the session negotiates with the profile's own bytes")
		}
		s.Close()
		if !zeroed(psk) {
			t.Error("the PSK survived Close")
		}
		if a.Profile.PSK.Reveal() != p.PSK {
			t.Error("Close wiped the caller's profile")
		}
	})
}

// An on-demand session wipes a password the gateway refused as soon as it
// is refused, and the one it holds when it closes.
func TestSessionWipesPassword(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		n := newTestNet()
		neg := newFakeNegotiator(nil)
		ask, qs := asker()
		s := dialAsking(t, n, neg, onDemandEAP(t), ask)
		dev := n.device(t)

		dev.Inject(ipv4UDP(cliAddr, lanHost, "wake"))
		synctest.Wait()
		(<-qs).reply <- passwordAnswer{password: "first"}
		synctest.Wait()
		f := <-neg.started
		first := s.st.password
		if first.Reveal() != "first" {
			t.Fatal("the session does not hold the answered password")
		}
		f.opts.OnEvent(&ike.Down{Err: Permanent(&ike.EAPError{Method: eap.TypeMSCHAPv2, Err: &mschapv2.FailureError{Code: mschapv2.ErrorAuthenticationFailed}})})
		synctest.Wait()
		if !zeroed(first) {
			t.Error("the refused password survived its refusal")
		}

		s.st.setPassword([]byte("second"))
		second := s.st.password
		s.Close()
		if !zeroed(second) {
			t.Error("the password survived Close")
		}
	})
}
