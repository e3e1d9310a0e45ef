package session

import (
	"net/netip"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
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

		f.io.OnEvent(&ChildDown{ByPeer: true})
		time.Sleep(DefaultChildGrace - time.Second)
		if ended() {
			t.Fatal("the session ended within the grace period")
		}
		f.io.OnEvent(&ChildUp{})
		time.Sleep(2 * DefaultChildGrace)
		if ended() {
			t.Fatal("the session ended although a new Child SA came")
		}

		f.io.OnEvent(&ChildDown{ByPeer: true})
		time.Sleep(DefaultChildGrace + time.Second)
		if !ended() {
			t.Fatal("an IKE SA without Child SA kept the session")
		}
		if err := s.Err(); err == nil || !strings.Contains(err.Error(), "no Child SA") || conn.Classify(err) != api.FailureGatewayClosed {
			t.Errorf("Err %v (code %q)", err, conn.Classify(err))
		}
		s.Close()
	})
}
