package session

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// mainReqID is the ReqID of a negotiation's first Child SA configuration,
// and of an on-demand profile's trap policy, so that the first Child SA
// releases the packets the trap holds.
const mainReqID = 1

// engineInstaller is the DataPath of one negotiation: it installs Child SAs
// into the ESP engine. The engine installs both directions at once and
// moves outbound traffic to the newest SA of a ReqID, keeping the older
// inbound SA until it is removed; so AddInbound installs the pair at once
// (the peer may use the new SA as soon as it has our response) and
// SetOutbound has nothing left to do. Child SAs with the same selectors
// share a ReqID, which is what makes a rekeyed SA replace the old one.
type engineInstaller struct {
	eng *datapath.Engine

	mu        sync.Mutex
	reqIDs    map[string]uint32
	installed map[uint32]bool // by inbound SPI
}

var _ DataPath = (*engineInstaller)(nil)

func newEngineInstaller(eng *datapath.Engine) *engineInstaller {
	return &engineInstaller{eng: eng, reqIDs: map[string]uint32{}, installed: map[uint32]bool{}}
}

// AddInbound installs sa.
func (e *engineInstaller) AddInbound(sa *ChildSA) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.installLocked(sa)
}

// SetOutbound installs sa if AddInbound did not.
func (e *engineInstaller) SetOutbound(sa *ChildSA, _ uint32) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.installed[sa.Inbound.SPI] {
		return nil
	}
	return e.installLocked(sa)
}

// Remove deletes both directions of sa.
func (e *engineInstaller) Remove(sa *ChildSA) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if !e.installed[sa.Inbound.SPI] {
		return nil
	}
	delete(e.installed, sa.Inbound.SPI)
	return e.eng.Remove(sa.Inbound.SPI)
}

func (e *engineInstaller) installLocked(sa *ChildSA) error {
	sels := selectors(sa.LocalTS, sa.RemoteTS)
	key := selectorKey(sels)
	id, ok := e.reqIDs[key]
	if !ok {
		id = mainReqID + uint32(len(e.reqIDs))
		e.reqIDs[key] = id
	}
	encap := sad.EncapRaw
	peer := netip.AddrPortFrom(sa.Remote.Addr(), 0)
	if sa.Encap {
		encap, peer = sad.EncapUDP, sa.Remote
	}
	err := e.eng.Install(datapath.ChildSA{
		ReqID:     id,
		In:        sa.Inbound,
		Out:       sa.Outbound,
		Peer:      peer,
		Encap:     encap,
		Selectors: sels,
	})
	if err != nil {
		return fmt.Errorf("install child SA: %w", err)
	}
	e.installed[sa.Inbound.SPI] = true
	return nil
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

func selectorKey(sels []spd.Selector) string {
	keys := make([]string, len(sels))
	for i, s := range sels {
		keys[i] = s.Local.String() + ">" + s.Remote.String()
	}
	slices.Sort(keys)
	return strings.Join(keys, ",")
}
