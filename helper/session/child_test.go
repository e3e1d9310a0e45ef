package session

import (
	"net/netip"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// TestChildGrace: an IKE SA whose last Child SA the gateway deleted gets
// DefaultChildGrace for a new one; a new one keeps the session, none ends
// it so that conn.Manager connects again.
func TestChildGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, _, s, f := dialEstablished(t, []netip.Prefix{lanV4})
		ended := func() bool {
			synctest.Wait()
			select {
			case <-s.Done():
				return true
			default:
				return false
			}
		}

		f.opts.OnEvent(&ike.ChildDown{ByPeer: true})
		time.Sleep(DefaultChildGrace - time.Second)
		if ended() {
			t.Fatal("the session ended within the grace period")
		}
		f.opts.OnEvent(&ike.ChildUp{})
		time.Sleep(2 * DefaultChildGrace)
		if ended() {
			t.Fatal("the session ended although a new Child SA came")
		}

		f.opts.OnEvent(&ike.ChildDown{ByPeer: true})
		time.Sleep(DefaultChildGrace + time.Second)
		if !ended() {
			t.Fatal("an IKE SA without Child SA kept the session")
		}
		if err := s.Err(); err == nil || !strings.Contains(err.Error(), "no Child SA") || failureCode(err) != api.FailureGatewayClosed {
			t.Errorf("Err %v (code %q)", err, failureCode(err))
		}
		s.Close()
	})
}

// TestRekeyFailedInStatus: a failed rekey shows in the session's Info
// while the tunnel stays up, a later rekey clears it, and an IKE SA left
// without a Child SA after one ends with rekey_failed, not as deleted by
// the gateway.
func TestRekeyFailedInStatus(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		_, _, s, f := dialEstablished(t, []netip.Prefix{lanV4})
		refused := &ike.RekeyError{SPI: 0xc1a2b3c4, ByPeer: true, Notify: wire.NoProposalChosen}
		f.opts.OnEvent(&ike.ChildRekeyFailed{Err: refused})
		synctest.Wait()
		if p := s.Info().Problem; p != refused || failureCode(p) != api.FailureRekeyFailed {
			t.Fatalf("Info().Problem = %v, want the refused rekey", p)
		}
		f.opts.OnEvent(&ike.ChildRekeyed{New: ike.ChildInfo{ESPProposal: "aes128gcm16-x25519-noesn"}})
		synctest.Wait()
		if p := s.Info().Problem; p != nil {
			t.Fatalf("Info().Problem = %v after a rekey that went through", p)
		}

		f.opts.OnEvent(&ike.ChildRekeyFailed{Err: refused})
		f.opts.OnEvent(&ike.ChildDown{ByPeer: true})
		time.Sleep(DefaultChildGrace + time.Second)
		synctest.Wait()
		select {
		case <-s.Done():
		default:
			t.Fatal("an IKE SA without Child SA kept the session")
		}
		if err := s.Err(); failureCode(err) != api.FailureRekeyFailed || !strings.Contains(err.Error(), "NO_PROPOSAL_CHOSEN") {
			t.Errorf("Err %v (code %q), want rekey_failed naming the notify", err, failureCode(err))
		}
		s.Close()
	})
}
