package datapath

// The outbound path, in the order packets take it:
//
//  1. readDevice: read a batch of inner packets from the device into pooled
//     buffers, find each one's policy (longest-prefix match) and SA, and take
//     its sequence number; packets of a trap policy without an SA wait in its
//     acquire queue, and later packets of a flow translated when it left
//     that queue are translated too (translate.go). The batch goes to outQ (in order) and workQ.
//  2. worker (many): clamp the TCP MSS, seal the ESP packet in place.
//  3. writeTransport: take batches from outQ in order, wait for their
//     workers, write them to the transports, recycle the buffers.
//
// A small batch read while nothing outbound is in flight skips the queues:
// readDevice seals and writes it itself (inline.go).

import (
	"errors"
	"io"
	"net"
	"os"
	"time"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/spd"
	"github.com/espressovpn/espresso/ipsec/tcpmss"
)

// cryptoScratch is the working memory of a worker, or of a reader that
// seals or opens inline.
type cryptoScratch struct {
	esp esp.Scratch
}

func (e *Engine) readDevice(n int) {
	defer e.readers.Done()
	elems := make([]*elem, n)
	bufs := make([][]byte, n)
	sizes := make([]int, n)
	s := new(cryptoScratch)
	var b *batch // kept while it comes back empty or written inline
	for {
		for i := range elems {
			if elems[i] == nil {
				if elems[i] = e.outElems.get(e.done); elems[i] == nil {
					return
				}
			}
			bufs[i] = elems[i].buf[:len(elems[i].buf)-tailroom]
		}
		cnt, err := e.cfg.Device.Read(bufs, sizes, headroom)
		if e.closed() {
			return
		}
		if err != nil && cnt == 0 {
			if e.deviceGone(err) {
				return
			}
			continue
		}
		if b == nil {
			if b = e.outBatches.get(e.done); b == nil {
				return
			}
		}
		e.outMu.Lock()
		for i := range cnt {
			x := elems[i]
			x.start, x.end, x.sa, x.drop = headroom, headroom+sizes[i], nil, sad.DropNone
			switch e.route(x) {
			case routed:
				b.elems = append(b.elems, x)
				elems[i] = nil
			case held:
				elems[i] = nil
			}
		}
		inline := len(b.elems) > 0 && e.outLane.claim(len(b.elems))
		if !inline && len(b.elems) > 0 {
			e.enqueue(b, &e.outLane, e.outQ, e.outElems, e.outBatches)
			b = nil
		}
		e.outMu.Unlock()
		if inline {
			e.crypt(s, b)
			e.writeOut(b)
			e.outLane.done()
			reclaim(b, elems)
		}
	}
}

// deviceGone reports whether a failed device Read means the device is
// closed. Any other error (a packet the device could not split, a
// transient failure) is counted and the reader goes on after a pause, so
// an engine driving a TUN device directly outlives what a Mux's reader
// would. Closing ends the pause.
func (e *Engine) deviceGone(err error) bool {
	if errors.Is(err, os.ErrClosed) || errors.Is(err, net.ErrClosed) || errors.Is(err, ErrMuxClosed) || errors.Is(err, io.EOF) {
		return true
	}
	e.stats.deviceErrors.Add(1)
	t := time.NewTimer(deviceRetryDelay)
	defer t.Stop()
	select {
	case <-t.C:
		return false
	case <-e.done:
		return true
	}
}

// queueOut sends an outbound batch on; the caller holds outMu.
func (e *Engine) queueOut(b *batch) {
	if len(b.elems) == 0 {
		e.outBatches.put(b)
		return
	}
	e.enqueue(b, &e.outLane, e.outQ, e.outElems, e.outBatches)
}

type routeResult uint8

const (
	routed  routeResult = iota // has an SA and a sequence number
	held                       // waits for an SA in an acquire queue
	dropped                    // counted; the buffer may be reused
)

// route finds the SA for an inner packet and takes its sequence number.
// The caller holds outMu.
func (e *Engine) route(x *elem) routeResult {
	f, ok := spd.ParseFlow(x.buf[x.start:x.end])
	if !ok {
		e.drop(nil, sad.DropMalformed)
		return dropped
	}
	if e.xl.Len() > 0 {
		e.translateOut(x.buf[x.start:x.end], &f)
	}
	g, ok := e.spd.Lookup(f)
	if !ok {
		e.drop(nil, sad.DropPolicy)
		return dropped
	}
	sa := g.sa.Load()
	if sa == nil {
		if g.trap.Load() && e.hold(g, x, f) {
			return held
		}
		e.drop(nil, sad.DropNoSA)
		return dropped
	}
	if sa.Expired() {
		e.drop(sa, sad.DropNoSA)
		return dropped
	}
	seq, ok, crossed := sa.NextSeq()
	e.expiry(sa, crossed, sad.CauseSequence)
	if !ok {
		e.drop(sa, sad.DropNoSA)
		return dropped
	}
	x.sa, x.seq = sa, seq
	return routed
}

// seal encrypts one outbound packet in place.
func (e *Engine) seal(s *cryptoScratch, x *elem) {
	pkt := x.buf[x.start:x.end]
	if e.mss4 != 0 {
		tcpmss.Clamp(pkt, e.mss4, e.mss6)
	}
	next := byte(esp.NextIPv4)
	if pkt[0]>>4 == 6 {
		next = esp.NextIPv6
	}
	start, end, err := x.sa.ESP.Seal(&s.esp, x.buf, x.start, len(pkt), x.seq, next)
	if err != nil {
		x.drop = sad.DropMalformed
		e.drop(x.sa, sad.DropMalformed)
		return
	}
	l, c := x.sa.Count(len(pkt))
	e.expiry(x.sa, l, c)
	x.start, x.end = start, end
}

// writeTransport writes sealed batches in the order they were read.
func (e *Engine) writeTransport() {
	for {
		var b *batch
		select {
		case b = <-e.outQ:
		case <-e.done:
			return
		}
		b.mu.Lock()
		e.outLane.mu.Lock()
		e.writeOut(b)
		e.outLane.done()
		for _, x := range b.elems {
			e.outElems.put(x)
		}
		b.elems = b.elems[:0]
		b.mu.Unlock()
		e.outBatches.put(b)
	}
}

// writeOut writes the sealed packets of b to the transports; the caller
// holds outLane.mu.
func (e *Engine) writeOut(b *batch) {
	udp, raw := e.udpMsgs[:0], e.rawMsgs[:0]
	for _, x := range b.elems {
		if x.drop != sad.DropNone {
			continue
		}
		r := x.sa.Route()
		d := socket.Datagram{Buf: x.buf[x.start:x.end], Addr: r.Peer}
		if r.Encap == sad.EncapRaw && e.cfg.Raw != nil {
			raw = append(raw, d)
		} else {
			udp = append(udp, d)
		}
	}
	e.send(e.cfg.UDP, udp)
	if len(raw) > 0 {
		e.send(e.cfg.Raw, raw)
	}
	e.udpMsgs, e.rawMsgs = udp, raw
}

func (e *Engine) send(t socket.Transport, msgs []socket.Datagram) {
	if len(msgs) == 0 {
		return
	}
	n, _ := t.WriteBatch(msgs)
	var bytes uint64
	for _, d := range msgs[:n] {
		bytes += uint64(len(d.Buf))
	}
	e.stats.packetsOut.Add(uint64(n))
	e.stats.bytesOut.Add(bytes)
	if n < len(msgs) {
		e.stats.drops[sad.DropSend].Add(uint64(len(msgs) - n))
	}
}
