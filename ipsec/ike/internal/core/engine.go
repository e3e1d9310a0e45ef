package core

import (
	"bytes"
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"sync"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// EngineDataPath is the DataPath of a datapath.Engine, for the helper's
// sessions and for tests alike. It installs Child SAs make-before-break:
// AddInbound installs the pair with its outbound direction held back, so
// the engine keeps sending on the current SA of the ReqID while the peer
// may not have the new one yet, and SetOutbound moves the traffic over
// (RFC 7296 §2.8).
//
// It also keeps the traffic of the SAs it removed: the engine counts each
// SA's payload until the SA is removed, so Counters adds a removed SA's
// counts to those of the live ones, and a connection's totals survive its
// rekeys.
type EngineDataPath struct {
	eng *datapath.Engine

	mu      sync.Mutex
	live    map[uint32]bool // inbound SPIs installed
	retired Counters
}

var (
	_ DataPath       = (*EngineDataPath)(nil)
	_ PeerMover      = (*EngineDataPath)(nil)
	_ TrafficCounter = (*EngineDataPath)(nil)
)

// NewEngineDataPath returns the DataPath of eng.
func NewEngineDataPath(eng *datapath.Engine) *EngineDataPath {
	return &EngineDataPath{eng: eng, live: map[uint32]bool{}}
}

// Counters are the payload bytes and packets of Child SAs, each way.
type Counters struct {
	In, Out sad.Counters
}

func (c *Counters) add(in, out sad.Counters) {
	c.In.Bytes += in.Bytes
	c.In.Packets += in.Packets
	c.Out.Bytes += out.Bytes
	c.Out.Packets += out.Packets
}

// espRoute is where the engine sends sa's ESP: in UDP to the peer's port
// (RFC 3948), or as IP protocol 50 to its address, which has no port.
func espRoute(sa *ChildSA) (netip.AddrPort, sad.Encap) {
	if sa.Encap {
		return sa.Remote, sad.EncapUDP
	}
	return netip.AddrPortFrom(sa.Remote.Addr(), 0), sad.EncapRaw
}

// AddInbound installs sa, its outbound direction held back unless no SA of
// its ReqID carries traffic yet. A ReqID of 0 is the Conn's default.
func (e *EngineDataPath) AddInbound(sa *ChildSA) error {
	reqID := sa.ReqID
	if reqID == 0 {
		reqID = DefaultReqID
	}
	peer, encap := espRoute(sa)
	err := e.eng.Install(datapath.ChildSA{
		ReqID:        reqID,
		In:           sa.Inbound,
		Out:          sa.Outbound,
		Peer:         peer,
		Encap:        encap,
		Selectors:    engineSelectors(sa),
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
func (e *EngineDataPath) SetOutbound(sa *ChildSA, _ uint32) error {
	return e.eng.SwitchOutbound(sa.Inbound.SPI)
}

// MovePeer sends the pair's ESP to sa.Remote, encapsulated as sa.Encap
// says, from the next packet on.
func (e *EngineDataPath) MovePeer(sa *ChildSA) error {
	peer, encap := espRoute(sa)
	return e.eng.MovePeer(sa.Inbound.SPI, peer, encap)
}

// Traffic returns the packets sa carried each way so far, from the
// counters the engine keeps per SA anyway.
func (e *EngineDataPath) Traffic(sa *ChildSA) (in, out uint64, ok bool) {
	i, o, ok := e.eng.SACounters(sa.Inbound.SPI)
	return i.Packets, o.Packets, ok
}

// Remove deletes both directions of sa, keeping its counts; an SA the
// engine does not hold is already gone.
func (e *EngineDataPath) Remove(sa *ChildSA) error {
	e.mu.Lock()
	if e.live[sa.Inbound.SPI] {
		delete(e.live, sa.Inbound.SPI)
		// Packets the engine counts between this and the removal are
		// not kept: a rekey removes an SA that carries nothing any more.
		if in, out, ok := e.eng.SACounters(sa.Inbound.SPI); ok {
			e.retired.add(in, out)
		}
	}
	e.mu.Unlock()
	err := e.eng.Remove(sa.Inbound.SPI)
	if errors.Is(err, datapath.ErrNoSuchSA) {
		return nil
	}
	return err
}

// Counters returns the payload bytes and packets of every Child SA
// installed so far, removed or not.
func (e *EngineDataPath) Counters() Counters {
	e.mu.Lock()
	defer e.mu.Unlock()
	c := e.retired
	for spi := range e.live {
		if in, out, ok := e.eng.SACounters(spi); ok {
			c.add(in, out)
		}
	}
	return c
}

// engineSelectors are sa's negotiated selectors, with their protocol and
// ports, or, for a ChildSA that has none, Selectors of its prefixes.
func engineSelectors(sa *ChildSA) []spd.Selector {
	if len(sa.Selectors) > 0 {
		return slices.Clone(sa.Selectors)
	}
	return Selectors(sa.LocalTS, sa.RemoteTS)
}

// Selectors pairs every local prefix with every remote prefix of the same
// family: the SPD entries of a Child SA whose selectors cover any protocol
// and port. The prefixes are masked, as the policy lookup compares them.
func Selectors(local, remote []netip.Prefix) []spd.Selector {
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

// engineNATT is the port-4500 socket of an Engine seen as a Transport: IKE
// messages the engine hands over are read from it (with the non-ESP marker
// put back, as on the wire), and writes go out through the engine's socket.
type engineNATT struct {
	e     *datapath.Engine
	local netip.AddrPort
	in    chan socket.Datagram
	done  chan struct{}
	once  sync.Once
}

// EngineNATT returns the engine's NAT-T socket, bound to local, for
// Sockets.NATT. The engine owns the socket and reads it; IKE messages on it
// reach the Conn through the engine's IKE handler, which this sets.
func EngineNATT(e *datapath.Engine, local netip.AddrPort) socket.Transport {
	t := &engineNATT{e: e, local: local, in: make(chan socket.Datagram, inboxSize), done: make(chan struct{})}
	e.SetIKEHandler(func(msg []byte, from netip.AddrPort) {
		b := bytes.Clone(msg) // the marker included, as on the socket
		select {
		case t.in <- socket.Datagram{Buf: b, Addr: from}:
		default:
		}
	})
	return t
}

func (t *engineNATT) ReadBatch(msgs []socket.Datagram) (int, error) {
	if len(msgs) == 0 {
		return 0, nil
	}
	select {
	case d := <-t.in:
		msgs[0].Buf = append(msgs[0].Buf[:0], d.Buf...)
		msgs[0].Addr = d.Addr
		return 1, nil
	case <-t.done:
		return 0, socket.ErrClosed
	}
}

func (t *engineNATT) WriteBatch(msgs []socket.Datagram) (int, error) {
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
