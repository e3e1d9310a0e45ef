package eaptls

import (
	"io"
	"net"
	"sync"
	"time"
)

// pipe is the net.Conn a crypto/tls endpoint runs over. The EAP side puts
// the peer's TLS records in and takes ours out; the TLS goroutine reads and
// writes. exchange waits until the goroutine has consumed everything and
// blocks for more, or has ended: that is the end of a TLS flight.
type pipe struct {
	mu      sync.Mutex
	cond    sync.Cond
	in, out []byte
	blocked bool // the goroutine waits in Read with nothing to read
	ended   bool // the goroutine has returned
	closed  bool
}

func newPipe() *pipe {
	p := &pipe{}
	p.cond.L = &p.mu
	return p
}

// Read implements net.Conn for the TLS goroutine.
func (p *pipe) Read(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for len(p.in) == 0 {
		if p.closed {
			return 0, io.EOF
		}
		p.blocked = true
		p.cond.Broadcast()
		p.cond.Wait()
	}
	n := copy(b, p.in)
	p.in = p.in[n:]
	return n, nil
}

// Write implements net.Conn for the TLS goroutine; it never blocks.
func (p *pipe) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return 0, net.ErrClosed
	}
	p.out = append(p.out, b...)
	return len(b), nil
}

// exchange hands in to the goroutine and returns what it wrote until it
// blocked again or ended.
func (p *pipe) exchange(in []byte) (out []byte, ended bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.in = append(p.in, in...)
	p.blocked = false
	p.cond.Broadcast()
	for !p.ended && !(p.blocked && len(p.in) == 0) {
		p.cond.Wait()
	}
	out, p.out = p.out, nil
	return out, p.ended
}

// end marks the goroutine as returned.
func (p *pipe) end() {
	p.mu.Lock()
	p.ended = true
	p.cond.Broadcast()
	p.mu.Unlock()
}

// Close makes Read return io.EOF, so a goroutine waiting for input ends,
// and waits until it has.
func (p *pipe) Close() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.closed = true
	p.cond.Broadcast()
	for !p.ended {
		p.cond.Wait()
	}
	return nil
}

// pipeAddr names both ends of a pipe.
type pipeAddr struct{}

func (pipeAddr) Network() string { return "eap-tls" }
func (pipeAddr) String() string  { return "eap-tls" }

// LocalAddr implements net.Conn.
func (p *pipe) LocalAddr() net.Addr { return pipeAddr{} }

// RemoteAddr implements net.Conn.
func (p *pipe) RemoteAddr() net.Addr { return pipeAddr{} }

// SetDeadline implements net.Conn. EAP has no deadlines of its own: IKE's
// retransmission timers end a silent exchange, and Close then stops the
// goroutine.
func (p *pipe) SetDeadline(time.Time) error { return nil }

// SetReadDeadline implements net.Conn; see SetDeadline.
func (p *pipe) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline implements net.Conn; see SetDeadline.
func (p *pipe) SetWriteDeadline(time.Time) error { return nil }
