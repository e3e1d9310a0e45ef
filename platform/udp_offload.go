package platform

// UDP segmentation offload on the transport's socket, where the OS has it
// (Linux; see dgram's gso.go): a run of datagrams of one size to one peer
// leaves in one message that the kernel splits (UDP_SEGMENT), and a run
// the kernel coalesced on the way in (UDP_GRO) is read in one message and
// split here. Both keep the datagrams in their order. Where the kernel or
// the route refuses, the transport falls back to a message per datagram.

import (
	"net"
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/platform/internal/dgram"
	"golang.org/x/net/ipv4"
)

// segRun returns how many datagrams from the start of msgs one UDP_SEGMENT
// message can carry: all to the same address, all as long as the first but
// the last, which may be shorter, at most maxSegs of them and maxBytes in
// all. It is at least 1 when msgs is not empty.
func segRun(msgs []socket.Datagram, maxSegs, maxBytes int) int {
	if len(msgs) == 0 {
		return 0
	}
	size := len(msgs[0].Buf)
	if size == 0 {
		return 1
	}
	total := size
	k := 1
	for k < len(msgs) && k < maxSegs {
		d := &msgs[k]
		if d.Addr != msgs[0].Addr || len(d.Buf) > size || len(d.Buf) == 0 || total+len(d.Buf) > maxBytes {
			break
		}
		total += len(d.Buf)
		k++
		if len(d.Buf) < size {
			break
		}
	}
	return k
}

// segWriter holds what writes with UDP_SEGMENT reuse: the messages, the
// datagrams' buffers each message gathers, a control buffer and a
// datagram count per message.
type segWriter struct {
	msgs []ipv4.Message
	iov  [][]byte
	oob  [][]byte
	segs []int
}

// segIOV is how many datagrams one sendmmsg with UDP_SEGMENT takes at most.
const segIOV = 4 * udpBatchSize

func newSegWriter(n int) segWriter {
	w := segWriter{
		msgs: make([]ipv4.Message, n),
		iov:  make([][]byte, segIOV),
		oob:  make([][]byte, n),
		segs: make([]int, n),
	}
	for i := range w.oob {
		w.oob[i] = make([]byte, 0, dgram.SegmentSpace)
	}
	return w
}

// writeSegmented sends msgs, gathering runs into UDP_SEGMENT messages. It
// returns how many were sent; plain is set when the socket refused a
// segmented message in a way a message per datagram may not be refused,
// and the rest, msgs[sent:], is to be sent so. An EIO turns segmentation
// off for good.
func (t *udpTransport) writeSegmented(msgs []socket.Datagram) (sent int, plain bool, err error) {
	w := &t.sw
	maxBytes := dgram.MaxSegmentBytes(t.is4)
	for sent < len(msgs) {
		nm, nd := 0, 0
		for nm < len(w.msgs) && sent+nd < len(msgs) && nd < len(w.iov) {
			rest := msgs[sent+nd:]
			k := segRun(rest, min(dgram.MaxSegments, len(w.iov)-nd), maxBytes)
			for i := range k {
				w.iov[nd+i] = rest[i].Buf
			}
			m := &w.msgs[nm]
			m.Buffers = w.iov[nd : nd+k : nd+k]
			m.OOB = nil
			if k > 1 {
				m.OOB = dgram.PutSegmentSize(w.oob[nm][:0], uint16(len(rest[0].Buf)))
			}
			m.Addr = t.udpAddr(nm, rest[0].Addr)
			w.segs[nm] = k
			nm++
			nd += k
		}
		k, werr := t.batch.WriteBatch(w.msgs[:nm], 0)
		// sendmmsg reports -1 when it sent nothing at all.
		k = max(k, 0)
		for j := range k {
			sent += w.segs[j]
		}
		clear(w.iov[:nd])
		for j := range nm {
			w.msgs[j].Buffers, w.msgs[j].OOB, w.msgs[j].Addr = nil, nil, nil
		}
		if werr != nil {
			if k < nm && w.segs[k] > 1 {
				resend, disable := dgram.SegmentFailed(werr)
				if disable {
					t.segment = false
				}
				if resend {
					return sent, true, nil
				}
			}
			return sent, false, werr
		}
		if k == 0 {
			break
		}
	}
	return sent, false, nil
}

// udpAddr fills the j-th reused destination address with a.
func (t *udpTransport) udpAddr(j int, ap netip.AddrPort) *net.UDPAddr {
	ua := &t.waddrs[j]
	a := ap.Addr()
	if t.is4 {
		a = a.Unmap()
	}
	ua.IP = dgram.PutIP(&t.wips[j], a, t.is4)
	ua.Port = int(ap.Port())
	ua.Zone = a.Zone()
	return ua
}

// groBuffers is how many coalesced messages one recvmmsg reads: each may
// hold 64 datagrams, more than a caller's batch.
const groBuffers = 8

// groReader holds the messages a socket with UDP_GRO reads into, each with
// a buffer of the largest UDP payload, and the datagrams of the last read
// not yet handed to a caller.
type groReader struct {
	msgs []ipv4.Message
	bufs [][1][]byte
	oob  [][]byte
	size []int // the segment size of each message, 0 if not coalesced
	addr []netip.AddrPort
	n    int // messages of the last read
	next int // the message the next datagram is in
	off  int // where in it the next datagram starts
	// coalesced counts the messages read that held more than one
	// datagram.
	coalesced uint64
}

func newGROReader() groReader {
	r := groReader{
		msgs: make([]ipv4.Message, groBuffers),
		bufs: make([][1][]byte, groBuffers),
		oob:  make([][]byte, groBuffers),
		size: make([]int, groBuffers),
		addr: make([]netip.AddrPort, groBuffers),
	}
	for i := range r.msgs {
		r.bufs[i][0] = make([]byte, 1<<16)
		r.oob[i] = make([]byte, dgram.SegmentSpace)
		r.msgs[i].Buffers = r.bufs[i][:]
		r.msgs[i].OOB = r.oob[i]
	}
	return r
}

// pending reports whether datagrams of the last read are left.
func (r *groReader) pending() bool { return r.next < r.n }

// read fills r from the socket.
func (r *groReader) read(c dgram.Conn) (int, error) {
	for i := range r.msgs {
		r.msgs[i].N, r.msgs[i].NN, r.msgs[i].Addr = 0, 0, nil
	}
	got, err := c.ReadBatch(r.msgs, 0)
	got = max(got, 0)
	for i := range got {
		m := &r.msgs[i]
		r.size[i] = dgram.GROSize(r.oob[i][:m.NN])
		if r.size[i] > 0 && m.N > r.size[i] {
			r.coalesced++
		}
		r.addr[i] = netip.AddrPort{}
		if ua, ok := m.Addr.(*net.UDPAddr); ok {
			ap := ua.AddrPort()
			r.addr[i] = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		}
		m.Addr = nil
	}
	r.n, r.next, r.off = got, 0, 0
	return got, err
}

// split copies the datagrams left, in order, into msgs, one each, and
// returns how many it copied. A datagram longer than its Buf's capacity is
// cut, as recvmmsg cuts one.
func (r *groReader) split(msgs []socket.Datagram) int {
	i := 0
	for i < len(msgs) && r.pending() {
		n := r.msgs[r.next].N
		end := dgram.NextSegment(n, r.size[r.next], r.off)
		d := &msgs[i]
		d.Buf = d.Buf[:copy(d.Buf[:cap(d.Buf)], r.bufs[r.next][0][r.off:end])]
		d.Addr = r.addr[r.next]
		i++
		r.off = end
		if end >= n {
			r.next++
			r.off = 0
		}
	}
	return i
}
