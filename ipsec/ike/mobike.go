package ike

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

// PathChanged tells the Daemon that the network under it changed. local is
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
func (d *Daemon) PathChanged(local netip.Addr) {
	d.post(func() { d.pathChanged(local.Unmap()) })
}

func (d *Daemon) pathChanged(local netip.Addr) {
	moved := local.IsValid() && local != d.peerKnows
	if local.IsValid() {
		d.localIP, d.pathSet = local, true
	}
	sa := d.sa
	if d.cfg.Responder || sa == nil || !sa.established || sa.deleting {
		return
	}
	if !d.mobike {
		if moved {
			d.log.Warn("ike: local address changed and the peer has no MOBIKE", "local", local)
			d.sendDeleteIKE(sa)
			d.down(ErrMOBIKEUnsupported)
			return
		}
		d.checkLiveness(sa)
		return
	}
	d.log.Info("ike: path changed, updating the SAs' addresses", "local", d.localAddr())
	// §3.5: requests in flight go on being retransmitted from the new
	// address; one copy goes now rather than after the back-off.
	if r := sa.pending; r != nil && r.sent > 0 {
		d.xchg.send(r.pkts)
	}
	d.queueUpdate()
}

// queueUpdate sends an UPDATE_SA_ADDRESSES once the window is free; changes
// that come meanwhile share it, as it carries the addresses of its time.
func (d *Daemon) queueUpdate() {
	if d.updateQueued {
		return
	}
	d.updateQueued = true
	sa := d.sa
	d.xchg.whenIdle(sa, func() {
		d.updateQueued = false
		if sa != d.sa || sa.deleting {
			// The IKE SA was rekeyed meanwhile: its successor moves.
			if d.sa != nil && d.sa.established && !d.sa.deleting {
				d.queueUpdate()
			}
			return
		}
		d.sendUpdate(sa)
	})
}

// sendUpdate sends UPDATE_SA_ADDRESSES from the current path (§3.5) with
// NAT detection notifies for it and a COOKIE2 (§3.7).
func (d *Daemon) sendUpdate(sa *ikeSA) {
	cookie := make([]byte, cookie2Len)
	if _, err := io.ReadFull(d.rand, cookie); err != nil {
		d.down(err)
		return
	}
	local := d.localAddr()
	ps := wire.Payloads{wire.NewNotify(wire.UpdateSAAddresses, nil)}
	ps = append(ps, natNotifies(sa.spiI, sa.spiR, local, d.remote, d.fakeNAT(), d.rand)...)
	ps = append(ps, wire.NewNotify(wire.Cookie2, cookie))
	d.xchg.request(sa, wire.Informational, ps, func(_ wire.Header, ps wire.Payloads, _ []byte) {
		d.updateAnswered(sa, cookie, local, ps)
	})
}

// updateAnswered completes our address update: the Child SAs' ESP moves
// to the path the request took.
func (d *Daemon) updateAnswered(sa *ikeSA, cookie []byte, local netip.AddrPort, ps wire.Payloads) {
	if c := ps.Notify(wire.Cookie2); c == nil || !bytes.Equal(c.Data, cookie) {
		d.sendDeleteIKE(sa)
		d.down(ErrReturnRoutability)
		return
	}
	if n := ps.ErrorNotify(); n != nil {
		// UNACCEPTABLE_ADDRESSES, UNEXPECTED_NAT_DETECTED (§4.2.4,
		// §4.2.5): the gateway will not use this path.
		d.sendDeleteIKE(sa)
		d.down(errorFromNotify(wire.Informational, n, false))
		return
	}
	if localNAT, remoteNAT, ok := natCheck(ps, sa.spiI, sa.spiR, local, d.remote); ok {
		d.localNAT, d.remoteNAT = localNAT, remoteNAT
		sa.natDst = natDestination(ps)
	}
	d.moveChildren()
}

// mobikeRequest handles the MOBIKE notifies of the peer's INFORMATIONAL
// request and returns what the response must carry: NAT detection
// notifies for the path it came on when it had some (§3.8), and its
// COOKIE2 (§3.7). An UPDATE_SA_ADDRESSES moves the SAs to that path (§3.5).
func (d *Daemon) mobikeRequest(sa *ikeSA, dg datagram, ps wire.Payloads) wire.Payloads {
	var out wire.Payloads
	hasNATD := ps.Notify(wire.NATDetectionDestinationIP) != nil
	if ps.Notify(wire.UpdateSAAddresses) != nil && d.mobike && sa == d.sa {
		d.log.Info("ike: peer updated its address", "from", d.remote, "to", dg.from)
		d.remote, d.natt = dg.from, dg.natt
		if localNAT, remoteNAT, ok := natCheck(ps, sa.spiI, sa.spiR, d.localAddr(), dg.from); ok {
			d.localNAT, d.remoteNAT = localNAT, remoteNAT
		}
		d.moveChildren()
	}
	if hasNATD {
		out = append(out, natNotifies(sa.spiI, sa.spiR, d.localAddr(), dg.from, d.fakeNAT(), d.rand)...)
	}
	if c := ps.Notify(wire.Cookie2); c != nil && len(c.Data) >= 8 && len(c.Data) <= 64 {
		out = append(out, wire.NewNotify(wire.Cookie2, bytes.Clone(c.Data)))
	}
	return out
}

// moveChildren points every Child SA still in the data path at the
// connection's current path, encapsulated when a NAT sits on it
// (RFC 4555 §3.5, RFC 3948), and reports the move.
func (d *Daemon) moveChildren() {
	if d.encapESP() {
		d.natt = true
	}
	local := d.localAddr()
	d.peerKnows = local.Addr()
	mover, _ := d.opt.DataPath.(PeerMover)
	for _, c := range append(append([]*child(nil), d.children.list...), d.children.retired...) {
		if c.sa == nil {
			continue
		}
		c.sa.Local, c.sa.Remote = local, d.remote
		c.sa.Encap = c.sa.Encap || d.encapESP()
		if mover != nil && c.installed {
			if err := mover.MovePeer(c.sa); err != nil {
				d.log.Warn("ike: moving Child SA to the new path", "spi", c.inSPI, "err", err)
			}
		}
	}
	if d.cfg.NATKeepalive > 0 && d.localNAT && d.natt && d.timers.keepalive == nil {
		d.scheduleKeepalive(d.cfg.NATKeepalive)
	}
	d.emit(&Moved{Local: local, Remote: d.remote, LocalNAT: d.localNAT, RemoteNAT: d.remoteNAT})
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
func (d *Daemon) livenessNATD(sa *ikeSA) wire.Payloads {
	if !d.mobike || !d.localNAT || d.cfg.Responder {
		return nil
	}
	return natNotifies(sa.spiI, sa.spiR, d.localAddr(), d.remote, d.fakeNAT(), d.rand)
}

// livenessAnswered compares the peer's view of our address in the answer
// to a liveness check with the one it had; a NAT that changed our mapping
// calls for an address update (§3.8). So does our ESP getting no answer
// behind a NAT while IKE does: the mapping the peer sends ESP to may be
// one it learnt before the NAT changed it, which an address update from
// the mapping that works replaces. Without MOBIKE the check itself does
// that (RFC 7296 §2.23).
func (d *Daemon) livenessAnswered(sa *ikeSA, ps wire.Payloads) {
	dst := natDestination(ps)
	if dst == nil || !d.mobike {
		return
	}
	changed := sa.natDst != nil && !bytes.Equal(sa.natDst, dst)
	stale := d.esp.unanswered && !d.esp.refreshed && d.localNAT
	sa.natDst = dst
	if sa != d.sa || (!changed && !stale) {
		return
	}
	if changed {
		d.log.Info("ike: the NAT changed our mapping, updating the SAs' addresses")
	} else {
		d.log.Info("ike: our ESP gets no answer while IKE does, updating the SAs' addresses")
	}
	d.esp.refreshed = true
	d.queueUpdate()
}
