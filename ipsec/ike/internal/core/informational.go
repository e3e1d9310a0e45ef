package core

import (
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// informationalRequest answers every INFORMATIONAL request (§1.4): an empty
// one is a liveness check, Delete payloads delete SAs, other notifies are
// acknowledged.
func (v *liveness) informationalRequest(sa *IKESA, dg Datagram, h wire.Header, ps wire.Payloads) {
	out := v.Mobike.mobikeRequest(sa, dg, ps)
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
			v.Xchg.Respond(sa, h, nil)
			v.ikeDeleted(sa)
			return
		case wire.ProtocolESP:
			for _, spi := range del.SPIs {
				c := v.Children.byOut(spi)
				if c == nil {
					continue
				}
				if c.state == childDeleting {
					// Both sides delete it: answer without it (§1.4.1)
					// and let our own exchange finish.
					continue
				}
				ours = append(ours, c.InSPI)
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
	v.Xchg.Respond(sa, h, out)
	if after != nil {
		after()
	}
}

// childDeleted handles the peer's delete of a Child SA: the SA that rekeyed
// it takes over outbound traffic first, then it leaves the data path.
func (v *liveness) childDeleted(c *Child) {
	repl := c.replacement
	if repl == nil && c.peerNew != nil && c.state != childRedundant {
		repl = c.peerNew
	}
	if repl != nil && repl.Installed && !repl.Outbound && c.Outbound {
		if err := v.Children.Activate(repl, c); err != nil {
			v.Log.Warn("ike: activating rekeyed Child SA", "err", err)
		}
	}
	v.Children.Retire(c, repl != nil || c.state == childRedundant)
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
func (v *liveness) ikeDeleted(sa *IKESA) {
	if sa != v.SA {
		v.role.PeerDeletedIKE(sa)
		v.dropOld(sa)
		return
	}
	if peer := sa.peerRekey; peer != nil {
		// §2.8.2: in a collision the peer won, or never saw ours, and
		// deleted the old SA before our own rekey was answered: the SA
		// the peer's rekey made takes over, and ours is abandoned with
		// the old SA.
		v.Log.Info("ike: IKE SA rekey collision: the peer deleted the old SA first")
		sa.End()
		v.rekey.switchIKE(sa, peer)
		return
	}
	v.Down(ErrDeleted)
}

// dropOld forgets a rekeyed-away IKE SA and wipes its keys.
func (v *liveness) dropOld(sa *IKESA) {
	for i, o := range v.Old {
		if o == sa {
			v.Old = append(v.Old[:i], v.Old[i+1:]...)
			break
		}
	}
	sa.End()
}

// deleteChild deletes one of our Child SAs (§1.4.1); its inbound direction
// stays until the peer confirms, so packets in flight still arrive.
func (v *liveness) deleteChild(c *Child, done func()) {
	prev := c.state
	c.state = childDeleting
	if prev == childRedundant {
		c.state = childRedundant
	}
	sa := v.SA
	v.Xchg.whenIdle(sa, func() {
		r := v.Xchg.request(sa, wire.Informational, wire.Payloads{&wire.Delete{Protocol: wire.ProtocolESP, SPIs: []uint32{c.InSPI}}},
			func(wire.Header, wire.Payloads, []byte) {
				v.Children.Retire(c, c.replacement != nil || c.state == childRedundant)
				if done != nil {
					done()
				}
			})
		if r != nil {
			r.failed = func(err error) { v.Down(err) }
		}
	})
}

// sendDeleteIKE sends one delete of the IKE SA without waiting for the
// answer, as when we give up or close (§1.4.1).
func (v *liveness) sendDeleteIKE(sa *IKESA) {
	h := sa.Header(wire.Informational, sa.sendID, false)
	ps := wire.Payloads{&wire.Delete{Protocol: wire.ProtocolIKE}}
	pkts, err := sa.keys.seal(h, ps, v.Xchg.fragSize(sa))
	if err == nil {
		sa.sendID++
		v.LogMessage(true, h, ps)
		v.Xchg.send(pkts)
	}
}

// terminate deletes the IKE SA and waits for the answer; Down follows.
func (v *liveness) terminate() {
	sa := v.SA
	if sa == nil || !sa.Established || sa.Deleting {
		if sa == nil || !sa.Established {
			v.Down(nil)
		}
		return
	}
	sa.Deleting = true
	v.role.Stop()
	v.rekey.stop()
	v.stop()
	v.Xchg.whenIdle(sa, func() {
		r := v.Xchg.request(sa, wire.Informational, wire.Payloads{&wire.Delete{Protocol: wire.ProtocolIKE}},
			func(wire.Header, wire.Payloads, []byte) { v.Down(nil) })
		if r != nil {
			r.failed = func(error) { v.Down(nil) }
		}
	})
}

// deleteOldIKE deletes an IKE SA replaced by a rekey (§2.18).
func (v *liveness) deleteOldIKE(sa *IKESA) {
	v.Old = append(v.Old, sa)
	sa.Deleting = true
	v.Xchg.whenIdle(sa, func() {
		r := v.Xchg.request(sa, wire.Informational, wire.Payloads{&wire.Delete{Protocol: wire.ProtocolIKE}},
			func(wire.Header, wire.Payloads, []byte) { v.dropOld(sa) })
		if r != nil {
			r.failed = func(error) { v.dropOld(sa) }
		}
	})
}
