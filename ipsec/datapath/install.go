package datapath

import (
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// ChildSA is a pair of ESP SAs negotiated by IKE, as the engine installs it.
type ChildSA struct {
	// ReqID names the Child SA configuration; a rekeyed Child SA keeps the
	// ReqID of the one it replaces, which is how the engine knows which
	// policies to move to it.
	ReqID uint32
	// In and Out are the inbound (our SPI) and outbound (the peer's SPI)
	// algorithms and keys.
	In, Out esp.Params
	// ReplayWindow is the inbound window size; 0 takes the engine default.
	ReplayWindow int
	// Lifetime applies to each direction.
	Lifetime sad.Lifetime
	// Peer is the gateway's outer address, with its NAT-T port for EncapUDP.
	Peer  netip.AddrPort
	Encap sad.Encap
	// Selectors are the negotiated traffic selectors as seen from here:
	// Local is this host's side (TSi for an initiator), Remote the peer's.
	Selectors []spd.Selector
	// HoldOutbound installs the SA for inbound traffic only; outbound stays
	// on the current SA until SwitchOutbound or the current SA's Remove.
	// The responder of a Child SA rekey uses it, since the initiator may not
	// have the new SA yet when the response leaves (strongSwan does the
	// same).
	HoldOutbound bool
}

// Errors of the control-plane API.
var (
	ErrNoSuchSA = errors.New("datapath: no such SA")
	ErrNoReqID  = errors.New("datapath: ReqID 0 is reserved")
)

// Install adds a Child SA. If SAs with the same ReqID are installed, this is
// a rekey done make-before-break: outbound traffic moves to the new SA at
// once, while inbound the old SA keeps being accepted until Remove. Packets
// that a trap policy of the ReqID holds are sent through the new SA.
func (e *Engine) Install(c ChildSA) error {
	if c.ReqID == 0 {
		return ErrNoReqID
	}
	inESP, err := esp.New(c.In)
	if err != nil {
		return fmt.Errorf("datapath: inbound SA: %w", err)
	}
	outESP, err := esp.New(c.Out)
	if err != nil {
		return fmt.Errorf("datapath: outbound SA: %w", err)
	}
	now := time.Now()
	win := c.ReplayWindow
	if win <= 0 {
		win = e.cfg.ReplayWindow
	}
	sels := append([]spd.Selector(nil), c.Selectors...)
	mk := func(x *esp.SA, dir sad.Direction) *sad.SA {
		sa := sad.New(x, dir, win, now)
		sa.ReqID, sa.Selectors, sa.Lifetime = c.ReqID, sels, c.Lifetime
		sa.SetRoute(sad.Route{Peer: c.Peer, Encap: c.Encap})
		return sa
	}
	p := &pair{in: mk(inESP, sad.Inbound), out: mk(outESP, sad.Outbound)}

	e.mu.Lock()
	defer e.mu.Unlock()
	if err := e.sad.Add(p.in); err != nil {
		return fmt.Errorf("datapath: inbound SPI %08x: %w", c.In.SPI, err)
	}
	if err := e.sad.Add(p.out); err != nil {
		e.sad.Remove(sad.Inbound, c.In.SPI)
		return fmt.Errorf("datapath: outbound SPI %08x: %w", c.Out.SPI, err)
	}
	g := e.groups[c.ReqID]
	if g == nil {
		g = &group{reqID: c.ReqID}
		e.groups[c.ReqID] = g
	}
	// Routing waits from the policy change until the held packets are
	// released: a packet read in between would meet the SA's selectors
	// before its flow's translation is known (adopt), and be dropped.
	e.outMu.Lock()
	defer e.outMu.Unlock()
	if len(sels) > 0 && !sameSelectors(g.sels, sels) {
		e.setSelectors(g, sels)
	}
	g.refs++
	p.g = g
	e.pairs[c.In.SPI] = p
	if !c.HoldOutbound || g.sa.Load() == nil {
		g.sa.Store(p.out)
		e.release(g)
	}
	return nil
}

// SwitchOutbound moves outbound traffic of the Child SA's policies to the
// Child SA whose inbound SPI is inSPI (one installed with HoldOutbound).
func (e *Engine) SwitchOutbound(inSPI uint32) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pairs[inSPI]
	if p == nil {
		return ErrNoSuchSA
	}
	e.outMu.Lock()
	defer e.outMu.Unlock()
	p.g.sa.Store(p.out)
	e.release(p.g)
	return nil
}

// MovePeer sends the outbound ESP of the Child SA whose inbound SPI is
// inSPI to peer, encapsulated as encap, from the next packet on: the peer
// moved (RFC 4555 §3.5, MOBIKE) or a NAT rebound its port (RFC 7296
// §2.23). Packets being sent meanwhile go to either address, each whole;
// nothing else about the SA changes, its sequence numbers included.
func (e *Engine) MovePeer(inSPI uint32, peer netip.AddrPort, encap sad.Encap) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pairs[inSPI]
	if p == nil {
		return ErrNoSuchSA
	}
	r := sad.Route{Peer: peer, Encap: encap}
	p.in.SetRoute(r)
	p.out.SetRoute(r)
	return nil
}

// Remove deletes the Child SA whose inbound SPI is inSPI. If its outbound SA
// still carries the policies' traffic (no newer SA replaced it), outbound
// packets for them are dropped (or, for a trap policy, held again) from now.
func (e *Engine) Remove(inSPI uint32) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.pairs[inSPI]
	if p == nil {
		return ErrNoSuchSA
	}
	delete(e.pairs, inSPI)
	e.sad.Remove(sad.Inbound, inSPI)
	e.sad.Remove(sad.Outbound, p.out.SPI())
	g := p.g
	if g.sa.CompareAndSwap(p.out, nil) {
		// A successor installed with HoldOutbound takes over.
		for _, q := range e.pairs {
			if q.g == g && (g.sa.Load() == nil || q.out.Created.After(g.sa.Load().Created)) {
				g.sa.Store(q.out)
			}
		}
	}
	g.refs--
	if g.refs == 0 && !g.trap.Load() {
		e.removePolicies(g)
		delete(e.groups, g.reqID)
		e.dropHeld(g)
	}
	return nil
}

// InstallTrap adds on-demand policies for reqID: packets matching sels before
// any SA is installed for reqID wait (a bounded number) and raise an
// EventAcquire, and go out once Install brings the SA.
func (e *Engine) InstallTrap(reqID uint32, sels []spd.Selector) error {
	if reqID == 0 {
		return ErrNoReqID
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.groups[reqID]
	if g == nil {
		g = &group{reqID: reqID}
		e.groups[reqID] = g
	}
	g.trap.Store(true)
	e.setSelectors(g, append([]spd.Selector(nil), sels...))
	return nil
}

// RemoveTrap removes the trap of reqID; its policies stay as long as an
// installed SA uses them, the flows translated for its held packets do
// not.
func (e *Engine) RemoveTrap(reqID uint32) {
	e.mu.Lock()
	defer e.mu.Unlock()
	g := e.groups[reqID]
	if g == nil {
		return
	}
	g.trap.Store(false)
	if g.refs == 0 {
		e.removePolicies(g)
		delete(e.groups, reqID)
	}
	e.dropHeld(g)
	// The flows translated for the trap's first packets end with it.
	e.xl.Clear()
}

// setSelectors replaces the selectors of g; the caller holds e.mu.
func (e *Engine) setSelectors(g *group, sels []spd.Selector) {
	e.removePolicies(g)
	for _, s := range sels {
		e.spd.Add(s, g)
	}
	g.sels = sels
}

// removePolicies takes g's selectors out of the policy table one by one,
// which costs the same whatever the number of other policies; the caller
// holds e.mu.
func (e *Engine) removePolicies(g *group) {
	for _, s := range g.sels {
		e.spd.Remove(s, g)
	}
}

func sameSelectors(a, b []spd.Selector) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
