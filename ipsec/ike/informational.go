package ike

import (
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// informationalRequest answers every INFORMATIONAL request (§1.4): an empty
// one is a liveness check, Delete payloads delete SAs, other notifies are
// acknowledged.
func (d *Daemon) informationalRequest(sa *ikeSA, dg datagram, h wire.Header, ps wire.Payloads) {
	out := d.mobike.mobikeRequest(sa, dg, ps)
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
			d.xchg.respond(sa, h, nil)
			d.ikeDeleted(sa)
			return
		case wire.ProtocolESP:
			for _, spi := range del.SPIs {
				c := d.children.byOut(spi)
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
					d.childDeleted(cc)
				}
			}
		}
	}
	if len(ours) > 0 {
		out = append(out, &wire.Delete{Protocol: wire.ProtocolESP, SPIs: ours})
	}
	d.xchg.respond(sa, h, out)
	if after != nil {
		after()
	}
}

// childDeleted handles the peer's delete of a Child SA: the SA that rekeyed
// it takes over outbound traffic first, then it leaves the data path.
func (d *Daemon) childDeleted(c *child) {
	repl := c.replacement
	if repl == nil && c.peerNew != nil && c.state != childRedundant {
		repl = c.peerNew
	}
	if repl != nil && repl.installed && !repl.outbound && c.outbound {
		if err := d.children.activate(repl, c); err != nil {
			d.log.Warn("ike: activating rekeyed Child SA", "err", err)
		}
	}
	d.children.retire(c, repl != nil || c.state == childRedundant)
	switch {
	case c.state == childRedundant:
	case repl != nil:
		repl.state = childInstalled
		d.emit(&ChildRekeyed{Old: c.info(), New: repl.info()})
	default:
		d.emit(&ChildDown{Child: c.info(), ByPeer: true})
	}
}

// ikeDeleted handles the peer's delete of an IKE SA: an old, rekeyed one
// just goes; the current one takes the connection down.
func (d *Daemon) ikeDeleted(sa *ikeSA) {
	if sa != d.sa {
		d.supersede(sa)
		d.dropOld(sa)
		return
	}
	if peer := sa.peerRekey; peer != nil {
		// §2.8.2: in a collision the peer won, or never saw ours, and
		// deleted the old SA before our own rekey was answered: the SA
		// the peer's rekey made takes over, and ours is abandoned with
		// the old SA.
		d.log.Info("ike: IKE SA rekey collision: the peer deleted the old SA first")
		sa.end()
		d.rekey.switchIKE(sa, peer)
		return
	}
	d.down(ErrDeleted)
}

// dropOld forgets a rekeyed-away IKE SA and wipes its keys.
func (d *Daemon) dropOld(sa *ikeSA) {
	for i, o := range d.old {
		if o == sa {
			d.old = append(d.old[:i], d.old[i+1:]...)
			break
		}
	}
	sa.end()
}

// deleteChild deletes one of our Child SAs (§1.4.1); its inbound direction
// stays until the peer confirms, so packets in flight still arrive.
func (d *Daemon) deleteChild(c *child, done func()) {
	prev := c.state
	c.state = childDeleting
	if prev == childRedundant {
		c.state = childRedundant
	}
	sa := d.sa
	d.xchg.whenIdle(sa, func() {
		r := d.xchg.request(sa, wire.Informational, wire.Payloads{&wire.Delete{Protocol: wire.ProtocolESP, SPIs: []uint32{c.inSPI}}},
			func(wire.Header, wire.Payloads, []byte) {
				d.children.retire(c, c.replacement != nil || c.state == childRedundant)
				if done != nil {
					done()
				}
			})
		if r != nil {
			r.failed = func(err error) { d.down(err) }
		}
	})
}

// sendDeleteIKE sends one delete of the IKE SA without waiting for the
// answer, as when we give up or close (§1.4.1).
func (d *Daemon) sendDeleteIKE(sa *ikeSA) {
	h := sa.header(wire.Informational, sa.sendID, false)
	pkts, err := sa.keys.seal(h, wire.Payloads{&wire.Delete{Protocol: wire.ProtocolIKE}}, d.xchg.fragSize(sa))
	if err == nil {
		sa.sendID++
		d.xchg.send(pkts)
	}
}

// terminate deletes the IKE SA and waits for the answer; Down follows.
func (d *Daemon) terminate() {
	sa := d.sa
	if sa == nil || !sa.established || sa.deleting {
		if sa == nil || !sa.established {
			d.down(nil)
		}
		return
	}
	sa.deleting = true
	d.timers.stop()
	d.rekey.stop()
	d.xchg.whenIdle(sa, func() {
		r := d.xchg.request(sa, wire.Informational, wire.Payloads{&wire.Delete{Protocol: wire.ProtocolIKE}},
			func(wire.Header, wire.Payloads, []byte) { d.down(nil) })
		if r != nil {
			r.failed = func(error) { d.down(nil) }
		}
	})
}

// deleteOldIKE deletes an IKE SA replaced by a rekey (§2.18).
func (d *Daemon) deleteOldIKE(sa *ikeSA) {
	d.old = append(d.old, sa)
	sa.deleting = true
	d.xchg.whenIdle(sa, func() {
		r := d.xchg.request(sa, wire.Informational, wire.Payloads{&wire.Delete{Protocol: wire.ProtocolIKE}},
			func(wire.Header, wire.Payloads, []byte) { d.dropOld(sa) })
		if r != nil {
			r.failed = func(error) { d.dropOld(sa) }
		}
	})
}
