package session

import (
	"errors"
	"fmt"
	"net/netip"

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
type engineInstaller struct {
	eng *datapath.Engine
}

var _ DataPath = engineInstaller{}

// AddInbound installs sa, its outbound direction held back unless no SA of
// its ReqID carries traffic yet.
func (e engineInstaller) AddInbound(sa *ChildSA) error {
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
	return nil
}

// SetOutbound moves the ReqID's outbound traffic to sa.
func (e engineInstaller) SetOutbound(sa *ChildSA, _ uint32) error {
	return e.eng.SwitchOutbound(sa.Inbound.SPI)
}

// Remove deletes both directions of sa; an SA the engine does not hold is
// already gone.
func (e engineInstaller) Remove(sa *ChildSA) error {
	err := e.eng.Remove(sa.Inbound.SPI)
	if errors.Is(err, datapath.ErrNoSuchSA) {
		return nil
	}
	return err
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
