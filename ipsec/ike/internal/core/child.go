package core

import (
	"encoding/binary"
	"time"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/ike/keymat"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// childSAs are the connection's Child SAs (RFC 7296 §1.3, §2.17): their
// keys, their traffic selectors and their place in the data path.
type childSAs struct {
	*Machine
	// List holds the Child SAs in use or being rekeyed or deleted.
	List []*Child
	// retired are Child SAs deleted after a rekey whose inbound direction
	// stays in the data path a little longer (retire.go).
	retired []*Child
}

// accepted child of a request, with the proposal number to answer.
type acceptedChild struct {
	C      *Child
	Number uint8
}

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

// Child is one Child SA pair.
type Child struct {
	InSPI, outSPI uint32
	Prop          chosen
	keys          *keymat.ChildKeys
	// weInitiated tells whether we initiated the exchange that made it,
	// which decides the key directions (§2.17).
	weInitiated       bool
	LocalTS, RemoteTS []wire.TrafficSelector
	Sa                *ChildSA
	established       time.Time
	state             childState
	Outbound          bool
	Installed         bool
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
	replacement *Child
	// peerNew is the SA the peer created by rekeying this one while our
	// own rekey was in flight (§2.8.1).
	peerNew *Child
}

// create derives the keys of a Child SA (§2.17) and builds its data
// path description. gir is the PFS shared secret, nil without; add those
// of the additional key exchanges (RFC 9370 §2.2.4).
func (m *childSAs) create(sa *IKESA, c chosen, inSPI, outSPI uint32, weInitiated bool, gir []byte, add [][]byte, ni, nr []byte, lts, rts []wire.TrafficSelector) (*Child, error) {
	cs := keymat.ChildSuite{Encr: c.One(suite.TypeEncr), Integ: c.One(suite.TypeInteg)}
	keys, err := keymat.DeriveChildKeys(sa.keys.prf, sa.keys.keys.D, cs, gir, ni, nr, add...)
	if err != nil {
		return nil, err
	}
	esn := c.One(suite.TypeESN).ID == suite.ESNYes
	in, out := keys.Inbound(weInitiated), keys.Outbound(weInitiated)
	ch := &Child{
		InSPI: inSPI, outSPI: outSPI, Prop: c, keys: keys, weInitiated: weInitiated,
		LocalTS: lts, RemoteTS: rts, established: m.Clock.Now(), ni: ni, nr: nr,
	}
	ch.Sa = &ChildSA{
		ReqID:     m.reqID(),
		Inbound:   esp.Params{SPI: inSPI, Encr: cs.Encr, Integ: cs.Integ.ID, EncrKey: in.Encr, IntegKey: in.Integ, ESN: esn},
		Outbound:  esp.Params{SPI: outSPI, Encr: cs.Encr, Integ: cs.Integ.ID, EncrKey: out.Encr, IntegKey: out.Integ, ESN: esn},
		LocalTS:   prefixes(lts),
		RemoteTS:  prefixes(rts),
		Selectors: PolicySelectors(lts, rts),
		Encap:     m.encapESP(),
		Local:     m.LocalAddr(),
		Remote:    m.Remote,
	}
	return ch, nil
}

// info describes a Child SA for events.
func (c *Child) info() ChildInfo {
	return ChildInfo{
		InSPI: c.InSPI, OutSPI: c.outSPI, ESPProposal: c.Prop.String(),
		LocalTS: c.Sa.LocalTS, RemoteTS: c.Sa.RemoteTS, Encap: c.Sa.Encap,
		Established: c.established,
	}
}

// addInbound installs the inbound direction.
func (m *childSAs) addInbound(c *Child) error {
	if m.opt.DataPath != nil {
		if err := m.opt.DataPath.AddInbound(c.Sa); err != nil {
			return err
		}
	}
	c.Installed = true
	return nil
}

// Activate moves outbound traffic onto c, away from old if given.
func (m *childSAs) Activate(c *Child, old *Child) error {
	var replaces uint32
	if old != nil && old.Outbound {
		replaces = old.InSPI
	}
	if m.opt.DataPath != nil {
		if err := m.opt.DataPath.SetOutbound(c.Sa, replaces); err != nil {
			return err
		}
	}
	c.Outbound = true
	if old != nil {
		old.Outbound = false
	}
	m.rekey.scheduleChildRekey(c)
	return nil
}

// remove takes a Child SA out of the data path and wipes its keys.
func (m *childSAs) remove(c *Child) {
	if c.rekeyTimer != nil {
		c.rekeyTimer.Stop()
	}
	if c.Installed && m.opt.DataPath != nil {
		if err := m.opt.DataPath.Remove(c.Sa); err != nil {
			m.Log.Warn("ike: removing Child SA", "spi", c.InSPI, "err", err)
		}
	}
	c.Installed = false
	c.keys.Wipe()
	clear(c.Sa.Inbound.EncrKey)
	clear(c.Sa.Inbound.IntegKey)
	clear(c.Sa.Outbound.EncrKey)
	clear(c.Sa.Outbound.IntegKey)
}

// forget drops c from the connection's list.
func (m *childSAs) forget(c *Child) {
	for i, x := range m.List {
		if x == c {
			m.List = append(m.List[:i], m.List[i+1:]...)
			return
		}
	}
}

// byOut finds a Child SA by the SPI the peer receives on, which is
// what REKEY_SA and Delete payloads name (§3.10, §3.11).
func (m *childSAs) byOut(spi uint32) *Child {
	for _, c := range m.List {
		if c.outSPI == spi {
			return c
		}
	}
	return nil
}

// SPIBytes encodes an ESP SPI for SA, Notify and Delete payloads.
func SPIBytes(spi uint32) []byte { return binary.BigEndian.AppendUint32(nil, spi) }

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
func (k *rekeying) pfsGroup() suite.TransformID {
	if ks := keMethods(k.Cfg.ESPProposals); len(ks) > 0 {
		return ks[0]
	}
	return 0
}

// reqID is the ReqID of the connection's Child SAs.
func (m *childSAs) reqID() uint32 {
	if m.opt.ReqID != 0 {
		return m.opt.ReqID
	}
	return DefaultReqID
}

// Accept negotiates a Child SA as responder: proposal, selectors
// narrowed to what we allow on the peer's side and ours (nil: whatever it
// proposes for ours), keys, and its inbound direction installed. withKE
// counts key exchange transforms in the choice (CREATE_CHILD_SA, not
// IKE_AUTH); gir is the PFS secret, nil without.
func (m *childSAs) Accept(sa *IKESA, ps wire.Payloads, withKE bool, gir []byte, peerSide, ourAllowed []wire.TrafficSelector, ni, nr []byte) (*acceptedChild, *wire.Notify) {
	ch, n := m.choose(ps, withKE, peerSide, ourAllowed)
	if n != nil {
		return nil, n
	}
	return m.install(sa, ch, gir, nil, ni, nr)
}

// childChoice is a Child SA negotiated as responder whose keys are not
// derived yet: a rekey with additional key exchanges waits for them.
type childChoice struct {
	num           uint8
	c             chosen
	inSPI, outSPI uint32
	lts, rts      []wire.TrafficSelector
}

// choose negotiates a Child SA as responder: proposal, selectors and our
// SPI. IKE_AUTH (withKE false) runs no additional key exchange, so its
// choice ignores them; CREATE_CHILD_SA offers and chooses them in full.
func (m *childSAs) choose(ps wire.Payloads, withKE bool, peerSide, ourAllowed []wire.TrafficSelector) (*childChoice, *wire.Notify) {
	saPayload, _ := wire.First[*wire.SecurityAssociation](ps)
	tsi, _ := wire.First[*wire.TSi](ps)
	tsr, _ := wire.First[*wire.TSr](ps)
	if saPayload == nil || tsi == nil || tsr == nil {
		return nil, wire.NewNotify(wire.InvalidSyntax, nil)
	}
	props := m.Cfg.ESPProposals
	if !withKE {
		props = withoutAddKE(props)
	}
	num, c, ok := Choose(props, saPayload.Proposals, wire.ProtocolESP, withKE)
	outSPI, spiOK := spiOf(c.spi)
	if !ok || !spiOK {
		return nil, wire.NewNotify(wire.NoProposalChosen, nil)
	}
	ourSide := tsr.Selectors
	if len(ourAllowed) > 0 {
		ourSide = narrow(tsr.Selectors, ourAllowed)
	}
	theirTS := narrow(tsi.Selectors, peerSide)
	if len(theirTS) == 0 || len(ourSide) == 0 {
		return nil, wire.NewNotify(wire.TSUnacceptable, nil)
	}
	inSPI, err := RandomSPI(m.Rand, 4)
	if err != nil {
		return nil, wire.NewNotify(wire.TemporaryFailure, nil)
	}
	return &childChoice{num: num, c: c, inSPI: uint32(inSPI), outSPI: outSPI, lts: cloneTS(ourSide), rts: cloneTS(theirTS)}, nil
}

// install derives the keys of a chosen Child SA and installs its inbound
// direction.
func (m *childSAs) install(sa *IKESA, cc *childChoice, gir []byte, add [][]byte, ni, nr []byte) (*acceptedChild, *wire.Notify) {
	ch, err := m.create(sa, cc.c, cc.inSPI, cc.outSPI, false, gir, add, ni, nr, cc.lts, cc.rts)
	if err != nil {
		return nil, wire.NewNotify(wire.NoProposalChosen, nil)
	}
	if err := m.addInbound(ch); err != nil {
		m.remove(ch)
		return nil, wire.NewNotify(wire.TemporaryFailure, nil)
	}
	return &acceptedChild{C: ch, Number: cc.num}, nil
}
