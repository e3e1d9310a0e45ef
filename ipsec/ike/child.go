package ike

import (
	"encoding/binary"
	"time"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/ike/keymat"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// childState is where a Child SA is in its life.
type childState int

const (
	// childInstalled: in use, inbound and (once activated) outbound.
	childInstalled childState = iota
	// childRekeying: our CREATE_CHILD_SA rekey of it is in flight.
	childRekeying
	// childRekeyed: a new SA replaces it; it waits for its delete.
	childRekeyed
	// childDeleting: our delete of it is in flight.
	childDeleting
	// childRedundant: created by the losing side of a rekey collision
	// (§2.8.1), never activated, deleted by its creator.
	childRedundant
)

// child is one Child SA pair.
type child struct {
	inSPI, outSPI uint32
	prop          chosen
	keys          *keymat.ChildKeys
	// weInitiated tells whether we initiated the exchange that made it,
	// which decides the key directions (§2.17).
	weInitiated       bool
	localTS, remoteTS []wire.TrafficSelector
	sa                *ChildSA
	established       time.Time
	state             childState
	outbound          bool
	installed         bool
	rekeyTimer        Timer
	// seenIn and seenOut are the packet counts the liveness timer last
	// read from the data path (silence.go).
	seenIn, seenOut uint64
	// rekeyFailures counts our failed attempts to rekey it, for the
	// back-off between them (rekey_failed.go).
	rekeyFailures int
	// rekeyErr is why its last rekey failed, nil if none did; an expiry
	// without a rekey then names it.
	rekeyErr *RekeyError
	// ni and nr of the exchange that created it, for collisions.
	ni, nr []byte
	// replacement is the SA that takes over once this one is deleted.
	replacement *child
	// peerNew is the SA the peer created by rekeying this one while our
	// own rekey was in flight (§2.8.1).
	peerNew *child
}

// newChild derives the keys of a Child SA (§2.17) and builds its data
// path description. gir is the PFS shared secret, nil without.
func (d *Daemon) newChild(sa *ikeSA, c chosen, inSPI, outSPI uint32, weInitiated bool, gir, ni, nr []byte, lts, rts []wire.TrafficSelector) (*child, error) {
	cs := keymat.ChildSuite{Encr: c.one(suite.TypeEncr), Integ: c.one(suite.TypeInteg)}
	keys, err := keymat.DeriveChildKeys(sa.keys.prf, sa.keys.keys.D, cs, gir, ni, nr)
	if err != nil {
		return nil, err
	}
	esn := c.one(suite.TypeESN).ID == suite.ESNYes
	in, out := keys.Inbound(weInitiated), keys.Outbound(weInitiated)
	ch := &child{
		inSPI: inSPI, outSPI: outSPI, prop: c, keys: keys, weInitiated: weInitiated,
		localTS: lts, remoteTS: rts, established: d.clock.Now(), ni: ni, nr: nr,
	}
	ch.sa = &ChildSA{
		ReqID:    d.reqID(),
		Inbound:  esp.Params{SPI: inSPI, Encr: cs.Encr, Integ: cs.Integ.ID, EncrKey: in.Encr, IntegKey: in.Integ, ESN: esn},
		Outbound: esp.Params{SPI: outSPI, Encr: cs.Encr, Integ: cs.Integ.ID, EncrKey: out.Encr, IntegKey: out.Integ, ESN: esn},
		LocalTS:  prefixes(lts),
		RemoteTS: prefixes(rts),
		Encap:    d.encapESP(),
		Local:    d.localAddr(),
		Remote:   d.remote,
	}
	return ch, nil
}

// info describes a Child SA for events.
func (c *child) info() ChildInfo {
	return ChildInfo{
		InSPI: c.inSPI, OutSPI: c.outSPI, ESPProposal: c.prop.String(),
		LocalTS: c.sa.LocalTS, RemoteTS: c.sa.RemoteTS, Encap: c.sa.Encap,
		Established: c.established,
	}
}

// addInbound installs the inbound direction.
func (d *Daemon) addInbound(c *child) error {
	if d.opt.DataPath != nil {
		if err := d.opt.DataPath.AddInbound(c.sa); err != nil {
			return err
		}
	}
	c.installed = true
	return nil
}

// activate moves outbound traffic onto c, away from old if given.
func (d *Daemon) activate(c *child, old *child) error {
	var replaces uint32
	if old != nil && old.outbound {
		replaces = old.inSPI
	}
	if d.opt.DataPath != nil {
		if err := d.opt.DataPath.SetOutbound(c.sa, replaces); err != nil {
			return err
		}
	}
	c.outbound = true
	if old != nil {
		old.outbound = false
	}
	d.scheduleChildRekey(c)
	return nil
}

// removeChild takes a Child SA out of the data path and wipes its keys.
func (d *Daemon) removeChild(c *child) {
	if c.rekeyTimer != nil {
		c.rekeyTimer.Stop()
	}
	if c.installed && d.opt.DataPath != nil {
		if err := d.opt.DataPath.Remove(c.sa); err != nil {
			d.log.Warn("ike: removing Child SA", "spi", c.inSPI, "err", err)
		}
	}
	c.installed = false
	c.keys.Wipe()
	clear(c.sa.Inbound.EncrKey)
	clear(c.sa.Inbound.IntegKey)
	clear(c.sa.Outbound.EncrKey)
	clear(c.sa.Outbound.IntegKey)
}

// forget drops c from the connection's list.
func (d *Daemon) forget(c *child) {
	for i, x := range d.children {
		if x == c {
			d.children = append(d.children[:i], d.children[i+1:]...)
			return
		}
	}
}

// childByOut finds a Child SA by the SPI the peer receives on, which is
// what REKEY_SA and Delete payloads name (§3.10, §3.11).
func (d *Daemon) childByOut(spi uint32) *child {
	for _, c := range d.children {
		if c.outSPI == spi {
			return c
		}
	}
	return nil
}

// spiBytes encodes an ESP SPI for SA, Notify and Delete payloads.
func spiBytes(spi uint32) []byte { return binary.BigEndian.AppendUint32(nil, spi) }

// spiOf reads a 4-byte ESP SPI.
func spiOf(b []byte) (uint32, bool) {
	if len(b) != 4 {
		return 0, false
	}
	return binary.BigEndian.Uint32(b), true
}

// pfsGroup is the key exchange method for our CREATE_CHILD_SA: the first
// one of our ESP proposals, suite.KENone when that is NONE or there is
// none. Without one the request carries no KE payload but still offers
// the methods, so a peer that wants PFS names its choice in
// INVALID_KE_PAYLOAD (RFC 7296 §1.3).
func (d *Daemon) pfsGroup() suite.TransformID {
	if ks := keMethods(d.cfg.ESPProposals); len(ks) > 0 {
		return ks[0]
	}
	return 0
}

// reqID is the ReqID of the connection's Child SAs.
func (d *Daemon) reqID() uint32 {
	if d.opt.ReqID != 0 {
		return d.opt.ReqID
	}
	return DefaultReqID
}
