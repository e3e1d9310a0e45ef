package datapath

import (
	"errors"
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/socket"
)

// IKEHandler receives an IKE message that arrived on the NAT-T socket as
// it arrived: the four-octet non-ESP marker (RFC 3948 §2.2), then the
// message as on port 500. msg is the engine's receive buffer, valid only
// during the call, so the handler's own copy is the only one; the handler
// runs on one engine goroutine, one message at a time.
type IKEHandler func(msg []byte, from netip.AddrPort)

type ikeMsg struct {
	buf  []byte
	n    int
	from netip.AddrPort
}

// SetIKEHandler registers the receiver of IKE messages; nil drops them.
func (e *Engine) SetIKEHandler(h IKEHandler) {
	if h == nil {
		e.ikeFunc.Store(nil)
		return
	}
	e.ikeFunc.Store(&h)
}

// handIKE queues the IKE datagram d, read into x's buffer, for the handler
// without ever blocking the reader: with the queue full the message is
// dropped, and IKE's retransmission (RFC 7296 §2.1) recovers. The datagram
// is not copied: x and the queued message trade buffers, both of the
// engine's BufferSize.
func (e *Engine) handIKE(x *elem, d socket.Datagram) {
	var m *ikeMsg
	select {
	case m = <-e.ikeMsgs.free:
	default:
		e.ikeMsgs.mu.Lock()
		if e.ikeMsgs.made < e.ikeMsgs.max {
			e.ikeMsgs.made++
			m = e.ikeMsgs.make()
		}
		e.ikeMsgs.mu.Unlock()
	}
	if m == nil {
		e.drop(nil, sad.DropQueueFull)
		return
	}
	if len(d.Buf) > 0 && cap(d.Buf) == len(x.buf) && &d.Buf[0] == &x.buf[0] {
		m.buf, x.buf = x.buf, m.buf
		m.n = len(d.Buf)
	} else {
		m.n = copy(m.buf, d.Buf)
	}
	m.from = d.Addr
	select {
	case e.ike <- m:
	default:
		e.ikeMsgs.put(m)
		e.drop(nil, sad.DropQueueFull)
	}
}

func (e *Engine) dispatchIKE() {
	for {
		select {
		case m := <-e.ike:
			if h := e.ikeFunc.Load(); h != nil {
				e.stats.ikeIn.Add(1)
				(*h)(m.buf[:m.n], m.from)
			} else {
				e.drop(nil, sad.DropNoSA)
			}
			e.ikeMsgs.put(m)
		case <-e.done:
			return
		}
	}
}

// ErrNotSent is returned when the transport did not take a datagram.
var ErrNotSent = errors.New("datapath: datagram not sent")

// SendIKE sends an IKE message through the NAT-T socket, prefixed with the
// non-ESP marker (RFC 3948 §2.2). Messages for port 500 go through the IKE
// layer's own socket, not here.
func (e *Engine) SendIKE(msg []byte, to netip.AddrPort) error {
	buf := make([]byte, esp.NonESPMarkerLen+len(msg))
	copy(buf[esp.NonESPMarkerLen:], msg)
	return e.sendOne(buf, to)
}

// SendKeepalive sends a NAT-keepalive, one 0xFF octet (RFC 3948 §2.3).
func (e *Engine) SendKeepalive(to netip.AddrPort) error {
	return e.sendOne([]byte{0xff}, to)
}

func (e *Engine) sendOne(buf []byte, to netip.AddrPort) error {
	n, err := e.cfg.UDP.WriteBatch([]socket.Datagram{{Buf: buf, Addr: to}})
	if err != nil {
		return err
	}
	if n != 1 {
		return ErrNotSent
	}
	return nil
}
