package ike

import (
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// informationalRequest answers every INFORMATIONAL request (§1.4): an empty
// one is a liveness check, Delete payloads delete SAs, other notifies are
// acknowledged.
func (v *liveness) informationalRequest(sa *ikeSA, dg datagram, h wire.Header, ps wire.Payloads) {
	out := v.mobike.mobikeRequest(sa, dg, ps)
	var after func()
	var ours []uint32
	for _, p := range ps {
		del, ok := p.(*wire.Delete)
		if !ok {
			continue
		}
		switch del.Protocol {
		case wire.ProtocolIKE:
			// §1.4.1: the IKE SA goes, with every Child SA of it; the
			// answer is empty.
			v.xchg.respond(sa, h, nil)
			v.ikeDeleted(sa)
			return
		case wire.ProtocolESP:
			for _, spi := range del.SPIs {
				c := v.children.byOut(spi)
				if c == nil {
					continue
				}
				if c.state == childDeleting {
					// Both sides delete it: answer without it (§1.4.1)
					// and let our own exchange finish.
					continue
				}
				ours = append(ours, c.inSPI)
				cc := c
				prev := after
				after = func() {
					if prev != nil {
						prev()
					}
					v.childDeleted(cc)
				}
			}
		}
	}
	if len(ours) > 0 {
		out = append(out, &wire.Delete{Protocol: wire.ProtocolESP, SPIs: ours})
	}
	v.xchg.respond(sa, h, out)
	if after != nil {
		after()
	}
}

// childDeleted handles the peer's delete of a Child SA: the SA that rekeyed
// it takes over outbound traffic first, then it leaves the data path.
func (v *liveness) childDeleted(c *child) {
	repl := c.replacement
	if repl == nil && c.peerNew != nil && c.state != childRedundant {
		repl = c.peerNew
	}
	if repl != nil && repl.installed && !repl.outbound && c.outbound {
		if err := v.children.activate(repl, c); err != nil {
			v.log.Warn("ike: activating rekeyed Child SA", "err", err)
		}
	}
	v.children.retire(c, repl != nil || c.state == childRedundant)
	switch {
	case c.state == childRedundant:
	case repl != nil:
		repl.state = childInstalled
		v.emit(&ChildRekeyed{Old: c.info(), New: repl.info()})
	default:
		v.emit(&ChildDown{Child: c.info(), ByPeer: true})
	}
	if c.state == childRekeying {
		// Our rekey of it is still in flight: its answer, a refusal
		// now that the SA is gone or a redundant SA, changes nothing
		// that was reported.
		c.state = childRekeyed
	}
}

// ikeDeleted handles the peer's delete of an IKE SA: an old, rekeyed one
// just goes; the current one takes the connection down.
func (v *liveness) ikeDeleted(sa *ikeSA) {
	if sa != v.sa {
		v.role.peerDeletedIKE(sa)
		v.dropOld(sa)
		return
	}
	if peer := sa.peerRekey; peer != nil {
		// §2.8.2: in a collision the peer won, or never saw ours, and
		// deleted the old SA before our own rekey was answered: the SA
		// the peer's rekey made takes over, and ours is abandoned with
		// the old SA.
		v.log.Info("ike: IKE SA rekey collision: the peer deleted the old SA first")
		sa.end()
		v.rekey.switchIKE(sa, peer)
		return
	}
	v.down(ErrDeleted)
}

// dropOld forgets a rekeyed-away IKE SA and wipes its keys.
func (v *liveness) dropOld(sa *ikeSA) {
	for i, o := range v.old {
		if o == sa {
			v.old = append(v.old[:i], v.old[i+1:]...)
			break
		}
	}
	sa.end()
}

// deleteChild deletes one of our Child SAs (§1.4.1); its inbound direction
// stays until the peer confirms, so packets in flight still arrive.
func (v *liveness) deleteChild(c *child, done func()) {
	prev := c.state
	c.state = childDeleting
	if prev == childRedundant {
		c.state = childRedundant
	}
	sa := v.sa
	v.xchg.whenIdle(sa, func() {
		r := v.xchg.request(sa, wire.Informational, wire.Payloads{&wire.Delete{Protocol: wire.ProtocolESP, SPIs: []uint32{c.inSPI}}},
			func(wire.Header, wire.Payloads, []byte) {
				v.children.retire(c, c.replacement != nil || c.state == childRedundant)
				if done != nil {
					done()
				}
			})
		if r != nil {
			r.failed = func(err error) { v.down(err) }
		}
	})
}

// sendDeleteIKE sends one delete of the IKE SA without waiting for the
// answer, as when we give up or close (§1.4.1).
func (v *liveness) sendDeleteIKE(sa *ikeSA) {
	h := sa.header(wire.Informational, sa.sendID, false)
	pkts, err := sa.keys.seal(h, wire.Payloads{&wire.Delete{Protocol: wire.ProtocolIKE}}, v.xchg.fragSize(sa))
	if err == nil {
		sa.sendID++
		v.xchg.send(pkts)
	}
}

// terminate deletes the IKE SA and waits for the answer; Down follows.
func (v *liveness) terminate() {
	sa := v.sa
	if sa == nil || !sa.established || sa.deleting {
		if sa == nil || !sa.established {
			v.down(nil)
		}
		return
	}
	sa.deleting = true
	v.role.stop()
	v.rekey.stop()
	v.stop()
	v.xchg.whenIdle(sa, func() {
		r := v.xchg.request(sa, wire.Informational, wire.Payloads{&wire.Delete{Protocol: wire.ProtocolIKE}},
			func(wire.Header, wire.Payloads, []byte) { v.down(nil) })
		if r != nil {
			r.failed = func(error) { v.down(nil) }
		}
	})
}

// deleteOldIKE deletes an IKE SA replaced by a rekey (§2.18).
func (v *liveness) deleteOldIKE(sa *ikeSA) {
	v.old = append(v.old, sa)
	sa.deleting = true
	v.xchg.whenIdle(sa, func() {
		r := v.xchg.request(sa, wire.Informational, wire.Payloads{&wire.Delete{Protocol: wire.ProtocolIKE}},
			func(wire.Header, wire.Payloads, []byte) { v.dropOld(sa) })
		if r != nil {
			r.failed = func(error) { v.dropOld(sa) }
		}
	})
}
