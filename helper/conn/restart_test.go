package conn

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/platform/platformtest"
)

// slowRelease is a kill switch whose Release waits for the test.
type slowRelease struct {
	*platformtest.KillSwitch
	release chan struct{}
}

func (k slowRelease) Release(name string) error {
	<-k.release
	return k.KillSwitch.Release(name)
}

// A Connect right after a failure, while the failed supervisor still
// lifts its kill switch, starts a new attempt instead of being taken for
// the connection still active (a retry with a new password came to
// nothing that way).
func TestConnectRightAfterFailure(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		d := &hookDialer{hook: script(dialResult{err: errors.New("gateway unreachable")}, dialResult{s: newFakeSession()})}
		ks := slowRelease{platformtest.NewKillSwitch(), make(chan struct{})}
		m := newTestManager(t, d, promptPolicy, "work", WithKillSwitch(session.NewKillSwitch(ks)))
		if err := m.Connect(guardedProfile("work")); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Wait(context.Background(), "work"); err == nil {
			t.Fatal("the first attempt did not fail")
		}
		started := make(chan error, 1)
		go func() { started <- m.Connect(guardedProfile("work")) }()
		synctest.Wait()
		close(ks.release)
		if err := <-started; err != nil {
			t.Fatal(err)
		}
		st, err := m.Wait(context.Background(), "work")
		if err != nil || st.State != api.StateConnected {
			t.Fatalf("second connect: %s, %v", st.State, err)
		}
		if n := len(d.dialled()); n != 2 {
			t.Errorf("%d dials, want 2", n)
		}
	})
}
