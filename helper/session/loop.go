package session

import (
	"errors"
	"net/netip"
	"slices"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/sad"
)

// loop is the session's goroutine: it applies what the negotiation and the
// engine report.
func (s *Session) loop() {
	defer close(s.looped)
	dropTick := time.NewTicker(s.d.opts.DropReport)
	defer dropTick.Stop()
	var report dropReport
	defer func() {
		if s.retry != nil {
			s.retry.Stop()
		}
		s.stopOrphan()
	}()
	for {
		var retry, orphan <-chan time.Time
		if s.retry != nil {
			retry = s.retry.C
		}
		if s.orphan != nil {
			orphan = s.orphan.C
		}
		select {
		case <-s.quit:
			return
		case ev := <-s.events:
			s.mu.Lock()
			current := ev.gen == s.gen && s.neg != nil
			s.mu.Unlock()
			if current {
				s.handle(ev.ev)
			}
		case ev := <-s.eng.Events():
			s.engineEvent(ev)
		case a := <-s.pw.answers:
			s.answered(a)
		case <-retry:
			s.retry = nil
			s.armTrap()
		case <-orphan:
			s.orphan = nil
			s.orphaned()
		case <-dropTick.C:
			s.reportDrops(&report)
		}
	}
}

// handle applies one of the negotiation's events.
func (s *Session) handle(ev ike.Event) {
	switch ev := ev.(type) {
	case *ike.Established:
		s.established(ev)
	case *ike.ChildUp:
		s.children++
		s.stopOrphan()
	case *ike.ChildDown:
		s.childDown(ev)
	case *ike.Moved:
		s.moved(ev)
	case *ike.Reauthenticated:
		s.reauthenticated(ev)
	case *ike.ReauthFailed:
		s.logf(api.LevelWarn, "reauthentication failed; the current SAs stay in use: %v", ev.Err)
	case *ike.ChildRekeyFailed:
		s.rekeyFailed(ev)
	case *ike.IKERekeyed:
		s.mu.Lock()
		s.info.IKEProposal, s.info.KeyExchanges = ev.IKEProposal, ev.KeyExchanges
		s.mu.Unlock()
	case *ike.ChildRekeyed:
		s.mu.Lock()
		s.info.ESPProposal = ev.New.ESPProposal
		s.info.Problem = nil
		s.mu.Unlock()
		s.logf(api.LevelInfo, "Child SA rekeyed (%s)", ev.New.ESPProposal)
	case *ike.Down:
		s.stopOrphan()
		s.est = nil
		err := classify(ev.Err)
		if s.st.onDemand {
			s.rearm(err)
			return
		}
		if err == nil {
			err = errors.New("the IKE SA ended")
		}
		s.end(err)
	}
}

// established configures the system for a new IKE SA and its Child SA.
//
// A NAT is shown only when our own address is translated (LocalNAT): a
// gateway that forces UDP encapsulation (strongSwan's kernel-libipsec
// does) claims a NAT of its own side with a NAT detection hash that cannot
// match (RFC 7296 §2.23), which says nothing about the path.
func (s *Session) established(ev *ike.Established) {
	s.children = 1
	s.stopOrphan()
	if s.st.onDemand && s.est == nil {
		s.st.kept = notIn(s.st.lastVIPs, ev.VirtualIPs)
	}
	s.est = ev
	cfg := s.st.platformConfig(s.peer.Addr(), s.hop, ev)
	if err := s.setTunnel(cfg); err != nil {
		err = configError(err)
		s.logf(api.LevelError, "%v", err)
		if s.st.onDemand {
			s.rearm(err)
			return
		}
		s.end(err)
		return
	}
	encap := api.EncapsulationRaw
	if ev.Child.Encap {
		encap = api.EncapsulationUDP
	}
	s.mu.Lock()
	s.info = Info{
		Peer:          s.peer,
		VirtualIPs:    ev.VirtualIPs,
		DNS:           cfg.DNS.Servers,
		DNSDomains:    cfg.DNS.Domains,
		LocalTS:       ev.Child.LocalTS,
		RemoteTS:      cfg.RemoteSelectors,
		Blocked:       cfg.Blocked,
		IKEProposal:   ev.IKEProposal,
		KeyExchanges:  ev.KeyExchanges,
		ESPProposal:   ev.ESPProposal,
		NATDetected:   ev.LocalNAT,
		Encapsulation: encap,
		EstablishedAt: time.Now(),
	}
	s.mu.Unlock()
	s.logf(api.LevelInfo, "established: virtual IPs %v, %s (%s), ESP %s over %s", ev.VirtualIPs, ev.IKEProposal, ev.KeyExchanges, ev.ESPProposal, encap)
	if len(s.st.kept) > 0 {
		s.logf(api.LevelInfo, "on demand: the gateway did not assign %v again; it stays on the device for the connections opened from it", s.st.kept)
	}
	s.remember(ev.VirtualIPs)
	if len(cfg.Blocked) > 0 {
		s.logf(api.LevelWarn, "blocked %v: remote_ts asks for it but the gateway granted only %v, so it is refused instead of leaving outside the tunnel (allow_ungranted lets a family through)", cfg.Blocked, cfg.RemoteSelectors)
	}
	s.upOnce.Do(func() { close(s.up) })
}

// engineEvent reacts to the engine: an acquire starts an on-demand
// negotiation; a Child SA running out of sequence numbers is rekeyed
// (RFC 4303 §3.3.3 forbids their reuse).
func (s *Session) engineEvent(ev datapath.Event) {
	switch ev.Kind {
	case datapath.EventAcquire:
		s.acquire(ev)
	case datapath.EventSoftExpire:
		if ev.Cause == sad.CauseSequence {
			s.mu.Lock()
			neg := s.neg
			s.mu.Unlock()
			if neg != nil {
				neg.RekeyChild()
			}
		}
	}
}

// remember keeps the assigned virtual IPs for the profile's next
// on-demand session (AddressBook).
func (s *Session) remember(vips []netip.Addr) {
	if len(vips) == 0 {
		return
	}
	s.st.setLastVIPs(vips)
	if s.d.opts.Addresses == nil {
		return
	}
	if err := s.d.opts.Addresses.Remember(s.st.name, s.st.host, vips); err != nil {
		s.logf(api.LevelWarn, "remembering the virtual IPs for the next connection: %v", err)
	}
}

// notIn returns the addresses of a that b does not hold.
func notIn(a, b []netip.Addr) []netip.Addr {
	var out []netip.Addr
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}
