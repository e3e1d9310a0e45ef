package core

import (
	"bytes"
	"errors"
	"io"
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// MOBIKE (RFC 4555) lets the IKE SA and its Child SAs follow the client to
// a new address without a new negotiation: both ends announce it in
// IKE_AUTH (§3.2), the IKE SA moves to port 4500 at once (§3.3), and when
// the path changes the initiator tells the gateway with UPDATE_SA_ADDRESSES
// in an INFORMATIONAL request from the new address (§3.5), with fresh NAT
// detection notifies (§3.8) and a COOKIE2 the answer must echo (§3.7).

// mobility follows the connection's path: our address as the peer sees
// it, MOBIKE's address updates (RFC 4555), and a peer that moved behind a
// NAT (RFC 7296 §2.23).
type mobility struct {
	*Machine
	// localIP is our address as the peer should see it without NAT:
	// Options.LocalAddr while the socket's is unspecified, and what
	// PathChanged said (pathSet) over any socket's. peerKnows is the
	// address the peer last learnt for us, in IKE_AUTH or an update.
	localIP, peerKnows netip.Addr
	pathSet            bool
	// Enabled is set once both ends announced MOBIKE (RFC 4555 §3.2);
	// updateQueued while an UPDATE_SA_ADDRESSES waits for the window.
	Enabled, updateQueued bool
}

// ErrMOBIKEUnsupported: our address changed but the peer did not announce
// MOBIKE (RFC 4555 §3.2), so the SAs cannot follow it; connecting again
// from the new address restores the tunnel.
var ErrMOBIKEUnsupported = errors.New("ike: the peer does not support MOBIKE; the new path needs a new connection")

// ErrReturnRoutability: the answer to our UPDATE_SA_ADDRESSES did not echo
// its COOKIE2, so the IKE SA is closed (RFC 4555 §3.7).
var ErrReturnRoutability = errors.New("ike: the answer to an address update failed the return routability check")

// cookie2Len is the size of our COOKIE2 data, within the 8 to 64 octets of
// RFC 4555 §4.2.5.
const cookie2Len = 16

// PathChanged tells the Conn that the network under it changed. local is
// our address towards the peer now (the source the route to the peer
// selects), or the zero Addr when only the route changed. The sockets must
// still work on the new path: bound to the unspecified address, or to
// local.
//
// With MOBIKE, an initiator moves the IKE SA and its Child SAs to the new
// path without rekeying, and Moved reports it. A peer without MOBIKE
// cannot follow a new address: the connection then ends with Down and
// ErrMOBIKEUnsupported, for its owner to connect again; when the address
// stayed, a liveness check (RFC 7296 §1.4) finds out at once whether the
// peer still hears us. A responder only takes note of the address.
func (d *Machine) PathChanged(local netip.Addr) {
	d.post(func() { d.Mobike.pathChanged(local.Unmap()) })
}

func (p *mobility) pathChanged(local netip.Addr) {
	moved := local.IsValid() && local != p.peerKnows
	if local.IsValid() {
		p.localIP, p.pathSet = local, true
	}
	sa := p.SA
	if !p.role.Leads() || sa == nil || !sa.Established || sa.Deleting {
		return
	}
	if !p.Enabled {
		if moved {
			p.Log.Warn("ike: local address changed and the peer has no MOBIKE", "local", local)
			p.live.sendDeleteIKE(sa)
			p.Down(ErrMOBIKEUnsupported)
			return
		}
		p.live.checkLiveness(sa)
		return
	}
	p.Log.Info("ike: path changed, updating the SAs' addresses", "local", p.LocalAddr())
	// §3.5: requests in flight go on being retransmitted from the new
	// address; one copy goes now rather than after the back-off.
	if r := sa.pending; r != nil && r.sent > 0 {
		p.Xchg.send(r.pkts)
	}
	p.queueUpdate()
}

// queueUpdate sends an UPDATE_SA_ADDRESSES once the window is free; changes
// that come meanwhile share it, as it carries the addresses of its time.
func (p *mobility) queueUpdate() {
	if p.updateQueued {
		return
	}
	p.updateQueued = true
	sa := p.SA
	p.Xchg.whenIdle(sa, func() {
		p.updateQueued = false
		if sa != p.SA || sa.Deleting {
			// The IKE SA was rekeyed meanwhile: its successor moves.
			if p.SA != nil && p.SA.Established && !p.SA.Deleting {
				p.queueUpdate()
			}
			return
		}
		p.sendUpdate(sa)
	})
}

// sendUpdate sends UPDATE_SA_ADDRESSES from the current path (§3.5) with
// NAT detection notifies for it and a COOKIE2 (§3.7).
func (p *mobility) sendUpdate(sa *IKESA) {
	cookie := make([]byte, cookie2Len)
	if _, err := io.ReadFull(p.Rand, cookie); err != nil {
		p.Down(err)
		return
	}
	local := p.LocalAddr()
	ps := wire.Payloads{wire.NewNotify(wire.UpdateSAAddresses, nil)}
	ps = append(ps, NATNotifies(sa.SPIi, sa.SPIr, local, p.Remote, p.FakeNAT(), p.Rand)...)
	ps = append(ps, wire.NewNotify(wire.Cookie2, cookie))
	p.Xchg.request(sa, wire.Informational, ps, func(_ wire.Header, ps wire.Payloads, _ []byte) {
		p.updateAnswered(sa, cookie, local, ps)
	})
}

// updateAnswered completes our address update: the Child SAs' ESP moves
// to the path the request took.
func (p *mobility) updateAnswered(sa *IKESA, cookie []byte, local netip.AddrPort, ps wire.Payloads) {
	if c := ps.Notify(wire.Cookie2); c == nil || !bytes.Equal(c.Data, cookie) {
		p.live.sendDeleteIKE(sa)
		p.Down(ErrReturnRoutability)
		return
	}
	if n := ps.ErrorNotify(); n != nil {
		// UNACCEPTABLE_ADDRESSES, UNEXPECTED_NAT_DETECTED (§4.2.4,
		// §4.2.5): the gateway will not use this path.
		p.live.sendDeleteIKE(sa)
		p.Down(errorFromNotify(wire.Informational, n, false))
		return
	}
	if localNAT, remoteNAT, ok := NATCheck(ps, sa.SPIi, sa.SPIr, local, p.Remote); ok {
		p.LocalNAT, p.RemoteNAT = localNAT, remoteNAT
		sa.natDst = natDestination(ps)
	}
	p.moveChildren()
}

// mobikeRequest handles the MOBIKE notifies of the peer's INFORMATIONAL
// request and returns what the response must carry: NAT detection
// notifies for the path it came on when it had some (§3.8), and its
// COOKIE2 (§3.7). An UPDATE_SA_ADDRESSES moves the SAs to that path (§3.5).
func (p *mobility) mobikeRequest(sa *IKESA, dg Datagram, ps wire.Payloads) wire.Payloads {
	var out wire.Payloads
	hasNATD := ps.Notify(wire.NATDetectionDestinationIP) != nil
	if ps.Notify(wire.UpdateSAAddresses) != nil && p.Enabled && sa == p.SA {
		p.Log.Info("ike: peer updated its address", "from", p.Remote, "to", dg.From)
		p.Remote, p.NATT = dg.From, dg.NATT
		if localNAT, remoteNAT, ok := NATCheck(ps, sa.SPIi, sa.SPIr, p.LocalAddr(), dg.From); ok {
			p.LocalNAT, p.RemoteNAT = localNAT, remoteNAT
		}
		p.moveChildren()
	}
	if hasNATD {
		out = append(out, NATNotifies(sa.SPIi, sa.SPIr, p.LocalAddr(), dg.From, p.FakeNAT(), p.Rand)...)
	}
	if c := ps.Notify(wire.Cookie2); c != nil && len(c.Data) >= 8 && len(c.Data) <= 64 {
		out = append(out, wire.NewNotify(wire.Cookie2, bytes.Clone(c.Data)))
	}
	return out
}

// moveChildren points every Child SA still in the data path at the
// connection's current path, encapsulated when a NAT sits on it
// (RFC 4555 §3.5, RFC 3948), and reports the move.
func (p *mobility) moveChildren() {
	if p.encapESP() {
		p.NATT = true
	}
	local := p.LocalAddr()
	p.peerKnows = local.Addr()
	mover, _ := p.opt.DataPath.(PeerMover)
	for _, c := range append(append([]*Child(nil), p.Children.List...), p.Children.retired...) {
		if c.Sa == nil {
			continue
		}
		c.Sa.Local, c.Sa.Remote = local, p.Remote
		c.Sa.Encap = c.Sa.Encap || p.encapESP()
		if mover != nil && c.Installed {
			if err := mover.MovePeer(c.Sa); err != nil {
				p.Log.Warn("ike: moving Child SA to the new path", "spi", c.InSPI, "err", err)
			}
		}
	}
	if p.Cfg.NATKeepalive > 0 && p.LocalNAT && p.NATT && p.live.keepaliveTimer == nil {
		p.live.scheduleKeepalive(p.Cfg.NATKeepalive)
	}
	p.emit(&Moved{Local: local, Remote: p.Remote, LocalNAT: p.LocalNAT, RemoteNAT: p.RemoteNAT})
}

// natDestination keeps the peer's NAT_DETECTION_DESTINATION_IP hash, its
// view of our address.
func natDestination(ps wire.Payloads) []byte {
	if n := ps.Notify(wire.NATDetectionDestinationIP); n != nil {
		return bytes.Clone(n.Data)
	}
	return nil
}

// livenessNATD returns the NAT detection notifies a liveness check carries
// while we are behind a NAT with MOBIKE (RFC 4555 §3.8): the peer's answer
// tells whether the NAT changed our mapping, which only an address update
// makes the peer follow.
func (p *mobility) livenessNATD(sa *IKESA) wire.Payloads {
	if !p.Enabled || !p.LocalNAT || !p.role.Leads() {
		return nil
	}
	return NATNotifies(sa.SPIi, sa.SPIr, p.LocalAddr(), p.Remote, p.FakeNAT(), p.Rand)
}

// livenessAnswered compares the peer's view of our address in the answer
// to a liveness check with the one it had; a NAT that changed our mapping
// calls for an address update (§3.8). So does our ESP getting no answer
// behind a NAT while IKE does: the mapping the peer sends ESP to may be
// one it learnt before the NAT changed it, which an address update from
// the mapping that works replaces. Without MOBIKE the check itself does
// that (RFC 7296 §2.23).
func (p *mobility) livenessAnswered(sa *IKESA, ps wire.Payloads) {
	dst := natDestination(ps)
	if dst == nil || !p.Enabled {
		return
	}
	changed := sa.natDst != nil && !bytes.Equal(sa.natDst, dst)
	stale := p.live.esp.unanswered && !p.live.esp.refreshed && p.LocalNAT
	sa.natDst = dst
	if sa != p.SA || (!changed && !stale) {
		return
	}
	if changed {
		p.Log.Info("ike: the NAT changed our mapping, updating the SAs' addresses")
	} else {
		p.Log.Info("ike: our ESP gets no answer while IKE does, updating the SAs' addresses")
	}
	p.live.esp.refreshed = true
	p.queueUpdate()
}

// peerMoved follows the peer to the address an authenticated request came
// from when a NAT sits between us and it may have remapped the port
// (RFC 7296 §2.23), and onto port 4500 when it moved there.
func (p *mobility) peerMoved(dg Datagram) {
	if dg.From == p.Remote && dg.NATT == p.NATT {
		return
	}
	if dg.NATT && !p.NATT {
		p.NATT = true
	}
	// RFC 4555 §3.8: with MOBIKE, addresses change only by
	// UPDATE_SA_ADDRESSES, as strongSwan does.
	if p.Enabled {
		return
	}
	if p.NATT && (p.LocalNAT || p.RemoteNAT || !p.role.Leads()) {
		p.Log.Info("ike: peer moved", "from", p.Remote, "to", dg.From)
		p.Remote = dg.From
		mover, _ := p.opt.DataPath.(PeerMover)
		for _, c := range p.Children.List {
			if c.Sa == nil || !c.Sa.Encap || c.Sa.Remote == p.Remote {
				continue
			}
			c.Sa.Remote = p.Remote
			if mover != nil && c.Installed {
				if err := mover.MovePeer(c.Sa); err != nil {
					p.Log.Warn("ike: moving Child SA to the peer's new address", "spi", c.InSPI, "err", err)
				}
			}
		}
	}
}

// learnMapping sends a liveness check with NAT detection notifies as soon
// as the window is free after sa came up behind a NAT, to learn the peer's
// view of our address for later comparisons (RFC 4555 §3.8): IKE_AUTH
// carries no NAT detection, IKE_SA_INIT's was of port 500, and a rekeyed
// SA's hashes cover its new SPIs. Without it, a remap before the first
// check would be taken for the mapping the peer holds.
func (p *mobility) learnMapping(sa *IKESA) {
	if !p.Enabled || !p.LocalNAT || !p.role.Leads() || p.Cfg.DPDDelay <= 0 {
		return
	}
	p.Xchg.whenIdle(sa, func() {
		if sa == p.SA && sa.Established && !sa.Deleting && sa.natDst == nil {
			p.live.checkLiveness(sa)
		}
	})
}
