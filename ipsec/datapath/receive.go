package datapath

// The inbound path, in the order packets take it:
//
//  1. readTransport: read a batch of datagrams into pooled buffers; drop NAT
//     keepalives, hand IKE messages to the IKE handler, find each ESP
//     packet's SA by SPI and check its sequence number against the replay
//     window. The batch goes to inQ (in order) and workQ.
//  2. worker (many): verify and decrypt in place, update the replay window,
//     check the inner packet against the SA's traffic selectors, give a
//     reply of a translated flow its original destination (translate.go),
//     clamp the TCP MSS.
//  3. writeDevice: take batches from inQ in order, wait for their workers,
//     write the inner packets to the device, recycle the buffers.
//
// A small batch read while nothing inbound is in flight skips the queues:
// readTransport opens and writes it itself (inline.go).

import (
	"encoding/binary"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/spd"
	"github.com/espressovpn/espresso/ipsec/tcpmss"
)

func (e *Engine) readTransport(t socket.Transport, udp bool, n int) {
	defer e.readers.Done()
	elems := make([]*elem, n)
	msgs := make([]socket.Datagram, n)
	s := new(cryptoScratch)
	var b *batch // kept while it comes back empty or written inline
	for {
		for i := range elems {
			if elems[i] == nil {
				if elems[i] = e.inElems.get(e.done); elems[i] == nil {
					return
				}
			}
			msgs[i] = socket.Datagram{Buf: elems[i].buf}
		}
		cnt, err := t.ReadBatch(msgs)
		if e.closed() || (err != nil && cnt == 0) {
			return
		}
		if b == nil {
			if b = e.inBatches.get(e.done); b == nil {
				return
			}
		}
		for i := range cnt {
			x := elems[i]
			x.sa, x.drop = nil, sad.DropNone
			if e.classify(x, msgs[i], udp) {
				b.elems = append(b.elems, x)
				elems[i] = nil
			}
		}
		switch {
		case len(b.elems) == 0:
		case e.inLane.claim(len(b.elems)):
			e.crypt(s, b)
			e.writeIn(b)
			e.inLane.done()
			reclaim(b, elems)
		default:
			e.enqueue(b, &e.inLane, e.inQ, e.inElems, e.inBatches)
			b = nil
		}
	}
}

// classify deals with one received datagram and reports whether it is an
// ESP packet to decrypt.
func (e *Engine) classify(x *elem, d socket.Datagram, udp bool) bool {
	if udp {
		switch esp.Classify(d.Buf) {
		case esp.KindKeepalive:
			e.stats.keepalives.Add(1)
			return false
		case esp.KindIKE:
			e.handIKE(x, d)
			return false
		case esp.KindInvalid:
			e.drop(nil, sad.DropMalformed)
			return false
		}
	}
	spi, low, ok := esp.ParseHeader(d.Buf)
	if !ok {
		e.drop(nil, sad.DropMalformed)
		return false
	}
	sa := e.sad.Get(sad.Inbound, spi)
	if sa == nil || sa.Expired() {
		e.drop(sa, sad.DropNoSA)
		return false
	}
	seq, ok := sa.ReplayCheck(low)
	if !ok {
		e.drop(sa, sad.DropReplay)
		return false
	}
	x.sa, x.seq, x.start, x.end = sa, seq, 0, len(d.Buf)
	return true
}

// open decrypts one inbound packet in place and checks what it carries.
func (e *Engine) open(s *cryptoScratch, x *elem) {
	sa := x.sa
	inner, next, err := sa.ESP.Open(&s.esp, x.buf[x.start:x.end], x.seq)
	switch {
	case err == esp.ErrAuth:
		x.drop = sad.DropIntegrity
	case err != nil:
		x.drop = sad.DropMalformed
	case !sa.ReplayUpdate(x.seq):
		x.drop = sad.DropReplay
	case next == esp.NextDummy:
		x.drop = sad.DropDummy
	default:
		inner = ipPacket(inner, next)
		if inner == nil {
			x.drop = sad.DropMalformed
		} else if f, ok := spd.ParseFlow(inner); !ok || !inbound(sa.Selectors, f) {
			x.drop = sad.DropPolicy
		} else if e.xl.Len() > 0 {
			e.translateIn(inner, f)
		}
	}
	if x.drop != sad.DropNone {
		e.drop(sa, x.drop)
		return
	}
	if e.mss4 != 0 {
		tcpmss.Clamp(inner, e.mss4, e.mss6)
	}
	l, c := sa.Count(len(inner))
	e.expiry(sa, l, c)
	x.start = x.start + sa.ESP.HeaderRoom()
	x.end = x.start + len(inner)
}

// ipPacket returns the IP packet at the start of an ESP payload, without
// any TFC padding after it (RFC 4303 §2.7), or nil if the payload is not
// the packet next says.
//
// The inner IPv4 header checksum is not verified here: the ICV already
// proves the packet is the one the peer sent, and the IP input of the
// system behind the device verifies the checksum of every packet it
// receives (RFC 1122 §3.2.1.2) and counts the failures, as it does for a
// kernel ESP stack. Checking it again would cost every packet and could
// only catch a peer's own bug.
func ipPacket(p []byte, next byte) []byte {
	var n int
	switch {
	case next == esp.NextIPv4 && len(p) >= 20 && p[0]>>4 == 4:
		n = int(binary.BigEndian.Uint16(p[2:]))
	case next == esp.NextIPv6 && len(p) >= 40 && p[0]>>4 == 6:
		n = 40 + int(binary.BigEndian.Uint16(p[4:]))
	default:
		return nil
	}
	if n > len(p) || n < 20 {
		return nil
	}
	return p[:n]
}

func inbound(sels []spd.Selector, f spd.Flow) bool {
	for _, s := range sels {
		if s.Inbound(f) {
			return true
		}
	}
	return false
}

// writeDevice writes decrypted batches in the order they were received.
func (e *Engine) writeDevice() {
	for {
		var b *batch
		select {
		case b = <-e.inQ:
		case <-e.done:
			return
		}
		b.mu.Lock()
		e.inLane.mu.Lock()
		e.writeIn(b)
		e.inLane.done()
		for _, x := range b.elems {
			e.inElems.put(x)
		}
		b.elems = b.elems[:0]
		b.mu.Unlock()
		e.inBatches.put(b)
	}
}

// writeIn writes the decrypted packets of b to the device, through the
// CoalesceWrites buffers if there are any; the caller holds inLane.mu.
func (e *Engine) writeIn(b *batch) {
	off := e.cfg.DeviceOffset
	bufs := e.devBufs[:0]
	var bytes uint64
	for _, x := range b.elems {
		if x.drop != sad.DropNone {
			continue
		}
		bufs = append(bufs, x.buf[x.start-off:x.end])
		bytes += uint64(x.end - x.start)
	}
	// A lone packet has nothing to coalesce with: it goes from its own
	// buffer, as a flood's one-packet batches do.
	if len(bufs) > 1 {
		for j := range min(len(bufs), len(e.stage)) {
			bufs[j] = e.stage[j][:off+copy(e.stage[j][off:], bufs[j][off:])]
		}
	}
	if len(bufs) > 0 {
		if _, err := e.cfg.Device.Write(bufs, off); err != nil {
			e.stats.drops[sad.DropSend].Add(uint64(len(bufs)))
		} else {
			e.stats.packetsIn.Add(uint64(len(bufs)))
			e.stats.bytesIn.Add(bytes)
		}
	}
	e.devBufs = bufs
}
