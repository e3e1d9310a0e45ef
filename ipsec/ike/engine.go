package ike

import (
	"errors"
	"net/netip"
	"sync"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/spd"
	"github.com/espressovpn/espresso/platform"
)

// EngineDataPath installs a Daemon's Child SAs into a datapath.Engine.
type EngineDataPath struct {
	Engine *datapath.Engine
}

var (
	_ DataPath       = EngineDataPath{}
	_ PeerMover      = EngineDataPath{}
	_ TrafficCounter = EngineDataPath{}
)

// encapOf is the engine's name for a Child SA's encapsulation.
func encapOf(sa *ChildSA) sad.Encap {
	if sa.Encap {
		return sad.EncapUDP
	}
	return sad.EncapRaw
}

// AddInbound installs the pair with its outbound direction held back: the
// engine keeps sending on the current SA of the ReqID until SetOutbound (or,
// when there is none, uses the new one at once).
func (e EngineDataPath) AddInbound(sa *ChildSA) error {
	encap := encapOf(sa)
	var sels []spd.Selector
	for _, l := range sa.LocalTS {
		for _, r := range sa.RemoteTS {
			if l.Addr().Is4() == r.Addr().Is4() {
				sels = append(sels, spd.Selector{Local: l, Remote: r})
			}
		}
	}
	return e.Engine.Install(datapath.ChildSA{
		ReqID: sa.ReqID, In: sa.Inbound, Out: sa.Outbound,
		Peer: sa.Remote, Encap: encap, Selectors: sels, HoldOutbound: true,
	})
}

// SetOutbound switches the ReqID's outbound traffic to sa.
func (e EngineDataPath) SetOutbound(sa *ChildSA, replaces uint32) error {
	return e.Engine.SwitchOutbound(sa.Inbound.SPI)
}

// MovePeer sends the pair's ESP to sa.Remote, encapsulated as sa.Encap
// says, from the next packet on.
func (e EngineDataPath) MovePeer(sa *ChildSA) error {
	return e.Engine.MovePeer(sa.Inbound.SPI, sa.Remote, encapOf(sa))
}

// Traffic returns the pair's packet counters.
func (e EngineDataPath) Traffic(sa *ChildSA) (in, out uint64, ok bool) {
	i, o, ok := e.Engine.SACounters(sa.Inbound.SPI)
	return i.Packets, o.Packets, ok
}

// Remove deletes the pair.
func (e EngineDataPath) Remove(sa *ChildSA) error {
	err := e.Engine.Remove(sa.Inbound.SPI)
	if errors.Is(err, datapath.ErrNoSuchSA) {
		return nil
	}
	return err
}

// engineNATT is the port-4500 socket of an Engine seen as a Transport: IKE
// messages the engine hands over are read from it (with the non-ESP marker
// put back, as on the wire), and writes go out through the engine's socket.
type engineNATT struct {
	e     *datapath.Engine
	local netip.AddrPort
	in    chan platform.Datagram
	done  chan struct{}
	once  sync.Once
}

// EngineNATT returns the engine's NAT-T socket, bound to local, for
// Sockets.NATT. The engine owns the socket and reads it; IKE messages on it
// reach the Daemon through the engine's IKE handler, which this sets.
func EngineNATT(e *datapath.Engine, local netip.AddrPort) platform.Transport {
	t := &engineNATT{e: e, local: local, in: make(chan platform.Datagram, inboxSize), done: make(chan struct{})}
	e.SetIKEHandler(func(msg []byte, from netip.AddrPort) {
		b := make([]byte, esp.NonESPMarkerLen+len(msg))
		copy(b[esp.NonESPMarkerLen:], msg)
		select {
		case t.in <- platform.Datagram{Buf: b, Addr: from}:
		default:
		}
	})
	return t
}

func (t *engineNATT) ReadBatch(msgs []platform.Datagram) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	select {
	case d := <-t.in:
		msgs[0].Buf = append(msgs[0].Buf[:0], d.Buf...)
		msgs[0].Addr = d.Addr
		return 1, nil
	case <-t.done:
		return 0, platform.ErrClosed
	}
}

func (t *engineNATT) WriteBatch(msgs []platform.Datagram) (int, error) {
	for i, m := range msgs {
		var err error
		switch esp.Classify(m.Buf) {
		case esp.KindKeepalive:
			err = t.e.SendKeepalive(m.Addr)
		case esp.KindIKE:
			err = t.e.SendIKE(m.Buf[esp.NonESPMarkerLen:], m.Addr)
		default:
			err = errors.New("ike: only IKE and keepalives go through the engine's socket here")
		}
		if err != nil {
			return i, err
		}
	}
	return len(msgs), nil
}

func (t *engineNATT) BatchSize() int            { return 1 }
func (t *engineNATT) LocalAddr() netip.AddrPort { return t.local }

func (t *engineNATT) Close() error {
	t.once.Do(func() {
		t.e.SetIKEHandler(nil)
		close(t.done)
	})
	return nil
}
