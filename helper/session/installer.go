package session

import (
	"errors"
	"fmt"
	"net/netip"
	"sync"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// mainReqID is the ReqID of the session's Child SAs, and of an on-demand
// profile's trap policy, so that the first Child SA releases the packets
// the trap holds.
const mainReqID = 1

// engineInstaller is the DataPath of the session: it installs Child SAs
// into the ESP engine make-before-break. AddInbound installs the pair with
// its outbound direction held back, so the engine keeps sending on the
// current SA of the ReqID while the peer may not have the new one yet;
// SetOutbound moves the traffic over (RFC 7296 §2.8).
//
// It also keeps the session's traffic counters: the engine counts each
// SA's payload bytes and packets until the SA is removed, so the installer
// adds a removed SA's counts to retired and sums the live ones.
type engineInstaller struct {
	eng *datapath.Engine

	mu      sync.Mutex
	live    map[uint32]bool // inbound SPIs installed
	retired Counters
}

var _ DataPath = (*engineInstaller)(nil)

func newEngineInstaller(eng *datapath.Engine) *engineInstaller {
	return &engineInstaller{eng: eng, live: map[uint32]bool{}}
}

// AddInbound installs sa, its outbound direction held back unless no SA of
// its ReqID carries traffic yet.
func (e *engineInstaller) AddInbound(sa *ChildSA) error {
	reqID := sa.ReqID
	if reqID == 0 {
		reqID = mainReqID
	}
	encap := sad.EncapRaw
	peer := netip.AddrPortFrom(sa.Remote.Addr(), 0)
	if sa.Encap {
		encap, peer = sad.EncapUDP, sa.Remote
	}
	err := e.eng.Install(datapath.ChildSA{
		ReqID:        reqID,
		In:           sa.Inbound,
		Out:          sa.Outbound,
		Peer:         peer,
		Encap:        encap,
		Selectors:    selectors(sa.LocalTS, sa.RemoteTS),
		HoldOutbound: true,
	})
	if err != nil {
		return fmt.Errorf("install child SA: %w", err)
	}
	e.mu.Lock()
	e.live[sa.Inbound.SPI] = true
	e.mu.Unlock()
	return nil
}

// SetOutbound moves the ReqID's outbound traffic to sa.
func (e *engineInstaller) SetOutbound(sa *ChildSA, _ uint32) error {
	return e.eng.SwitchOutbound(sa.Inbound.SPI)
}

// Remove deletes both directions of sa; an SA the engine does not hold is
// already gone.
func (e *engineInstaller) Remove(sa *ChildSA) error {
	e.mu.Lock()
	if e.live[sa.Inbound.SPI] {
		delete(e.live, sa.Inbound.SPI)
		e.retire(sa.Inbound.SPI)
	}
	e.mu.Unlock()
	err := e.eng.Remove(sa.Inbound.SPI)
	if errors.Is(err, datapath.ErrNoSuchSA) {
		return nil
	}
	return err
}

// Traffic returns the packets sa carried each way so far, from the
// counters the engine keeps per SA anyway.
func (e *engineInstaller) Traffic(sa *ChildSA) (in, out uint64, ok bool) {
	i, o, ok := e.eng.SACounters(sa.Inbound.SPI)
	return i.Packets, o.Packets, ok
}

// retire adds the counts of the SA with inbound SPI spi to retired; the
// caller holds mu. Packets the engine counts between this and the SA's
// removal are not counted: a rekey retires an SA that carries nothing
// any more.
func (e *engineInstaller) retire(spi uint32) {
	if in, out, ok := e.eng.SACounters(spi); ok {
		e.retired = addCounters(e.retired, in, out)
	}
}

// Counters returns the payload bytes and packets of every Child SA so far.
func (e *engineInstaller) Counters() Counters {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.retired
	for spi := range e.live {
		if in, out, ok := e.eng.SACounters(spi); ok {
			c = addCounters(c, in, out)
		}
	}
	return c
}

func addCounters(c Counters, in, out sad.Counters) Counters {
	c.BytesIn += in.Bytes
	c.PacketsIn += in.Packets
	c.BytesOut += out.Bytes
	c.PacketsOut += out.Packets
	return c
}

// selectors pairs every local prefix with every remote prefix of the same
// family: the SPD entries of a Child SA whose selectors cover any protocol
// and port.
func selectors(local, remote []netip.Prefix) []spd.Selector {
	var out []spd.Selector
	for _, l := range local {
		for _, r := range remote {
			if l.Addr().Is4() == r.Addr().Is4() {
				out = append(out, spd.Selector{Local: l.Masked(), Remote: r.Masked()})
			}
		}
	}
	return out
}
