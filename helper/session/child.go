package session

import (
	"fmt"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
)

// childDown counts a Child SA gone; when it was the last, the IKE SA gets
// ChildGrace for a new one before the session gives it up.
func (s *Session) childDown(ev *ike.ChildDown) {
	s.children = max(s.children-1, 0)
	by := "we"
	if ev.ByPeer {
		by = "the gateway"
	}
	s.logf(api.LevelWarn, "Child SA deleted by %s; %d left", by, s.children)
	if s.children == 0 && s.orphan == nil {
		s.orphan = time.NewTimer(s.d.opts.ChildGrace)
	}
}

func (s *Session) stopOrphan() {
	if s.orphan != nil {
		s.orphan.Stop()
		s.orphan = nil
	}
}

// rekeyFailed shows a failed rekey in the status while the tunnel stays
// up on the old Child SA; a later rekey that succeeds clears it.
func (s *Session) rekeyFailed(ev *ike.ChildRekeyFailed) {
	s.logf(api.LevelWarn, "Child SA rekey failed; the current Child SA stays in use until it expires: %v", ev.Err)
	s.mu.Lock()
	s.info.Problem = ev.Err
	s.mu.Unlock()
}

// orphaned ends an IKE SA that has carried no Child SA for ChildGrace: an
// always-on session ends (and the manager connects again), an on-demand
// one returns to its trap.
func (s *Session) orphaned() {
	if s.children > 0 {
		return
	}
	err := WithCode(api.FailureGatewayClosed,
		fmt.Errorf("no Child SA for %s: the gateway deleted the tunnel and made no new one", s.d.opts.ChildGrace))
	s.mu.Lock()
	problem := s.info.Problem
	s.mu.Unlock()
	if problem != nil {
		// The gateway gave up the tunnel after a rekey failed: that
		// failure is the cause, not the gateway's delete.
		err = WithCode(api.FailureRekeyFailed,
			fmt.Errorf("no Child SA for %s after a failed rekey: %w", s.d.opts.ChildGrace, problem))
	}
	s.logf(api.LevelWarn, "%v", err)
	if s.st.onDemand {
		s.rearm(err)
		return
	}
	s.end(err)
}
