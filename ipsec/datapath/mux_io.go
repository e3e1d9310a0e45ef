package datapath

import (
	"net/netip"
	"time"
)

// The Mux's data path: read (one goroutine per device) and Read carry
// packets out of the devices, Write carries them in.

// read is a device's reader: it fills free batches from the device and
// queues them for Read, until Set removes the device or the Mux closes.
func (m *Mux) read(r *muxReader) {
	defer m.wg.Done()
	for {
		var b *muxBatch
		select {
		case b = <-r.free:
		case <-r.stop:
			return
		case <-m.done:
			return
		}
		n, err := r.dev.Read(b.bufs, b.sizes, m.cfg.Offset)
		if n > 0 {
			b.n, b.next = n, 0
			select {
			case m.ready <- b:
			case <-r.stop:
				return
			case <-m.done:
				return
			}
		} else {
			r.free <- b // room for every batch of r: never blocks
		}
		if err == nil {
			continue
		}
		m.readErrs.Add(1)
		t := time.NewTimer(m.cfg.RetryDelay)
		select {
		case <-t.C:
		case <-r.stop:
			t.Stop()
			return
		case <-m.done:
			t.Stop()
			return
		}
	}
}

// Read implements Device: it waits for a batch from any device, then
// copies as many queued packets as bufs takes without waiting again.
// Packets of one device keep their order. Only one Read runs at a time.
func (m *Mux) Read(bufs [][]byte, sizes []int, offset int) (int, error) {
	m.rmu.Lock()
	defer m.rmu.Unlock()
	if m.isClosed() {
		return 0, ErrMuxClosed
	}
	if m.cur == nil {
		select {
		case m.cur = <-m.ready:
		case <-m.done:
			return 0, ErrMuxClosed
		}
	}
	n := 0
	for n < len(bufs) {
		if m.cur == nil {
			select {
			case m.cur = <-m.ready:
			default:
				return n, nil
			}
		}
		b := m.cur
		for b.next < b.n && n < len(bufs) {
			size := b.sizes[b.next]
			pkt := b.bufs[b.next][m.cfg.Offset : m.cfg.Offset+size]
			b.next++
			if size > len(bufs[n])-offset {
				m.oversize.Add(1)
				continue
			}
			sizes[n] = copy(bufs[n][offset:], pkt)
			n++
		}
		if b.next == b.n {
			b.r.free <- b
			m.cur = nil
		}
	}
	return n, nil
}

// Write implements Device: each packet goes to the device holding its
// destination address, each device taking its packets in one Write. A
// packet for an address no device holds goes to a device without
// addresses (an on-demand connection's before its virtual IPs are known,
// or a tunnel without virtual IPs), or is dropped and counted. Write reports the packets
// the devices took, and an error only when none did.
func (m *Mux) Write(bufs [][]byte, offset int) (int, error) {
	if m.isClosed() {
		return 0, ErrMuxClosed
	}
	links := *m.links.Load()
	m.wmu.Lock()
	defer m.wmu.Unlock()
	if len(m.groups) < len(links) {
		m.groups = append(m.groups, make([][][]byte, len(links)-len(m.groups))...)
	}
	groups := m.groups[:len(links)]
	for _, b := range bufs {
		i := route(links, b[offset:])
		if i < 0 {
			m.unroutable.Add(1)
			continue
		}
		groups[i] = append(groups[i], b)
	}
	written := 0
	var firstErr error
	for i, g := range groups {
		if len(g) == 0 {
			continue
		}
		n, err := links[i].Device.Write(g, offset)
		if err != nil {
			m.writeErrs.Add(uint64(len(g) - min(n, len(g))))
			if firstErr == nil {
				firstErr = err
			}
		}
		written += n
		clear(g)
		groups[i] = g[:0]
	}
	if written == 0 && firstErr != nil {
		return 0, firstErr
	}
	return written, nil
}

// route returns the index of the device for an inbound packet, or -1:
// the device with its destination address, else one without address,
// else one with an address of its family. The last is for the replies of
// a flow the engine translated back to the address it started from (a
// physical one, translate.go): the system takes them on any interface.
func route(links []MuxLink, pkt []byte) int {
	dst, ok := destination(pkt)
	bare, family := -1, -1
	for i, l := range links {
		if len(l.Addrs) == 0 && bare < 0 {
			bare = i
		}
		for _, a := range l.Addrs {
			if ok && a.Contains(dst) {
				return i
			}
			if ok && family < 0 && a.Addr().Is4() == dst.Is4() {
				family = i
			}
		}
	}
	if bare >= 0 {
		return bare
	}
	return family
}

// destination returns the destination address of an IPv4 or IPv6 packet.
func destination(pkt []byte) (netip.Addr, bool) {
	switch {
	case len(pkt) >= 20 && pkt[0]>>4 == 4:
		return netip.AddrFrom4([4]byte(pkt[16:20])), true
	case len(pkt) >= 40 && pkt[0]>>4 == 6:
		return netip.AddrFrom16([16]byte(pkt[24:40])), true
	}
	return netip.Addr{}, false
}
