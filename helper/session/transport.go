package session

import (
	"sync"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/platform"
)

// engineTransport lets the ESP engine use a platform.Transport. The two
// packages declare the same Datagram each (ipsec/ has no dependency on
// platform/), so batches are converted element by element into scratch
// slices that are reused: nothing is allocated per packet.
type engineTransport struct {
	t platform.Transport

	rmu  sync.Mutex
	rbuf []platform.Datagram

	// Writers are the engine's sender, the IKE layer and keepalives, at
	// once; each takes a scratch slice from the pool.
	wpool sync.Pool // *[]platform.Datagram
}

var _ datapath.Transport = (*engineTransport)(nil)

func newEngineTransport(t platform.Transport) *engineTransport {
	n := max(t.BatchSize(), 1)
	return &engineTransport{
		t:     t,
		rbuf:  make([]platform.Datagram, n),
		wpool: sync.Pool{New: func() any { s := make([]platform.Datagram, 0, n); return &s }},
	}
}

// ReadBatch implements datapath.Transport.
func (e *engineTransport) ReadBatch(msgs []datapath.Datagram) (int, error) {
	e.rmu.Lock()
	defer e.rmu.Unlock()
	n := min(len(msgs), len(e.rbuf))
	for i := range n {
		e.rbuf[i] = platform.Datagram(msgs[i])
	}
	got, err := e.t.ReadBatch(e.rbuf[:n])
	for i := range got {
		msgs[i] = datapath.Datagram(e.rbuf[i])
	}
	clear(e.rbuf[:n])
	return got, err
}

// WriteBatch implements datapath.Transport.
func (e *engineTransport) WriteBatch(msgs []datapath.Datagram) (int, error) {
	sp := e.wpool.Get().(*[]platform.Datagram)
	s := (*sp)[:0]
	for _, m := range msgs {
		s = append(s, platform.Datagram(m))
	}
	n, err := e.t.WriteBatch(s)
	clear(s)
	*sp = s[:0]
	e.wpool.Put(sp)
	return n, err
}

// BatchSize implements datapath.Transport.
func (e *engineTransport) BatchSize() int { return e.t.BatchSize() }
