package conn

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// progress renders a reconnecting status from its data the way a client
// shows it: "attempt 2, next in 5s: gateway unreachable".
func progress(st api.ConnectionStatus) string {
	r := st.Reconnect
	if r == nil {
		return "no reconnect progress (last_error " + st.LastError + ")"
	}
	s := fmt.Sprintf("attempt %d", r.Attempt)
	if r.NextAt != nil {
		wait := max(time.Until(*r.NextAt), 0)
		s += fmt.Sprintf(", next in %ds", (wait+time.Second-1)/time.Second)
	}
	if r.Reason != "" {
		s += ": " + r.Reason
	}
	return s
}

// wrapped stands for the wrappers a Dialer adds (helper/session's
// PermanentError, fmt.Errorf with %w).
type wrapped struct{ err error }

func (w wrapped) Error() string { return "permanent: " + w.err.Error() }
func (w wrapped) Unwrap() error { return w.err }

// A failure's code reaches the status and Wait; a reconnection's progress
// is data, with the reason left alone in last_error.
func TestStatusCarriesCodeAndProgress(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		m := newTestManager(t, d, RetryPolicy{Backoff: 5 * time.Second, MaxBackoff: time.Minute, Stable: time.Hour}, "work")

		d.push(dialResult{err: wrapped{&ike.AuthError{Local: true, Reason: "AUTHENTICATION_FAILED"}}})
		if err := m.Connect(profile("work")); err != nil {
			t.Fatal(err)
		}
		st, err := m.Wait(context.Background(), "work")
		var fe *FailedError
		if !errors.As(err, &fe) || fe.Code != api.FailureAuthLocal {
			t.Fatalf("Wait = %v", err)
		}
		if st.State != api.StateFailed || st.ErrorCode != api.FailureAuthLocal || st.Reconnect != nil ||
			st.LastError != "permanent: ike: the peer rejected our authentication: AUTHENTICATION_FAILED" {
			t.Errorf("failed status = %s %q %q %+v", st.State, st.ErrorCode, st.LastError, st.Reconnect)
		}

		s := newFakeSession()
		d.push(dialResult{s: s})
		if err := m.Connect(profile("work")); err != nil {
			t.Fatal(err)
		}
		if st, err = m.Wait(context.Background(), "work"); err != nil || st.ErrorCode != "" || st.LastError != "" {
			t.Fatalf("connected: %q %q, %v", st.ErrorCode, st.LastError, err)
		}

		// Dead peer detection gives up: the first attempt waits the
		// backoff (the session was not stable), and says so as data.
		s.drop(&ike.PeerUnreachableError{Exchange: wire.Informational, Tries: 5})
		synctest.Wait()
		st, _ = m.StatusOf("work")
		r := st.Reconnect
		if st.State != api.StateReconnecting || r == nil {
			t.Fatalf("after the drop: %s %+v", st.State, r)
		}
		wantNext := time.Now().Add(5 * time.Second).UTC()
		if r.Attempt != 1 || r.NextAt == nil || !r.NextAt.Equal(wantNext) || r.ErrorCode != api.FailurePeerUnreachable ||
			r.Reason != "ike: no answer to INFORMATIONAL after 5 transmissions" {
			t.Errorf("reconnect = %+v (next at %v, want %v)", r, r.NextAt, wantNext)
		}
		if st.LastError != r.Reason || st.ErrorCode != r.ErrorCode {
			t.Errorf("last_error %q / %q, want the reason alone", st.LastError, st.ErrorCode)
		}

		// The attempt under way has no next time; the reason stays.
		time.Sleep(5 * time.Second)
		synctest.Wait()
		st, _ = m.StatusOf("work")
		if r := st.Reconnect; r == nil || r.Attempt != 1 || r.NextAt != nil || r.ErrorCode != api.FailurePeerUnreachable {
			t.Errorf("while dialing: %+v", r)
		}
		if err := m.Disconnect(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
		if st, _ = m.StatusOf("work"); st.Reconnect != nil {
			t.Errorf("after disconnect: %+v", st.Reconnect)
		}
	})
}

// A failed rekey leaves the tunnel up: the status stays connected and
// shows the failure with its code.
func TestStatusShowsProblemWhileConnected(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &fakeDialer{}
		m := newTestManager(t, d, RetryPolicy{Backoff: 5 * time.Second, MaxBackoff: time.Minute, Stable: time.Hour}, "work")
		s := newFakeSession()
		s.problem = &ike.RekeyError{SPI: 0xc1a2b3c4, ByPeer: true, Notify: wire.NoProposalChosen}
		d.push(dialResult{s: s})
		if err := m.Connect(profile("work")); err != nil {
			t.Fatal(err)
		}
		st, err := m.Wait(context.Background(), "work")
		if err != nil || st.State != api.StateConnected || st.ErrorCode != api.FailureRekeyFailed ||
			st.LastError != "ike: we refused the gateway's rekey of Child SA c1a2b3c4 with NO_PROPOSAL_CHOSEN" {
			t.Fatalf("status %s %q %q, %v", st.State, st.ErrorCode, st.LastError, err)
		}
		if err := m.Disconnect(context.Background(), "work"); err != nil {
			t.Fatal(err)
		}
	})
}
