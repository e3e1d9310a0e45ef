package eaptls

import (
	"encoding/binary"
	"fmt"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
)

// Flags of the EAP-TLS Type-Data (RFC 5216 §3.1).
const (
	flagLength = 0x80 // L: a 4-octet TLS Message Length follows
	flagMore   = 0x40 // M: more fragments follow
	flagStart  = 0x20 // S: EAP-TLS Start
)

// DefaultFragmentSize is the largest TLS data put in one EAP packet,
// strongSwan's default for its eap-tls plugin; IKE fragmentation carries
// the IKE message further.
const DefaultFragmentSize = 1024

// maxMessage bounds the TLS data reassembled from one series of fragments;
// a handshake flight with a long certificate chain stays well below.
const maxMessage = 256 << 10

// ack is the Type-Data that acknowledges a fragment, and the empty
// Response after the final flight: flags zero, no data (RFC 5216 §2.1.5).
var ack = []byte{0}

// reassembler collects the fragments of one TLS message (RFC 5216 §2.1.5).
type reassembler struct {
	buf   []byte
	total int // announced with L, or -1
}

// add takes one fragment's Type-Data. It returns the whole message when the
// last fragment arrived, nil while more are to come.
func (r *reassembler) add(data []byte) (msg []byte, more bool, err error) {
	if len(data) < 1 {
		return nil, false, fmt.Errorf("%w: EAP-TLS packet without flags", eap.ErrMalformed)
	}
	flags, rest := data[0], data[1:]
	if flags&flagLength != 0 {
		if len(rest) < 4 {
			return nil, false, fmt.Errorf("%w: EAP-TLS length field truncated", eap.ErrMalformed)
		}
		n := int(binary.BigEndian.Uint32(rest))
		rest = rest[4:]
		if n > maxMessage {
			return nil, false, fmt.Errorf("%w: EAP-TLS message of %d bytes", eap.ErrMalformed, n)
		}
		if len(r.buf) == 0 {
			r.total = n
		}
	} else if len(r.buf) == 0 {
		r.total = -1
	}
	if len(r.buf)+len(rest) > maxMessage || (r.total >= 0 && len(r.buf)+len(rest) > r.total) {
		return nil, false, fmt.Errorf("%w: EAP-TLS fragments exceed the announced length", eap.ErrMalformed)
	}
	r.buf = append(r.buf, rest...)
	if flags&flagMore != 0 {
		return nil, true, nil
	}
	msg, r.buf = r.buf, nil
	if r.total >= 0 && len(msg) != r.total {
		return nil, false, fmt.Errorf("%w: EAP-TLS message of %d bytes, %d announced", eap.ErrMalformed, len(msg), r.total)
	}
	return msg, false, nil
}

// fragmenter hands out one TLS message in fragments of at most size octets.
type fragmenter struct {
	msg   []byte
	total int
	size  int
}

// pending reports whether fragments remain.
func (f *fragmenter) pending() bool { return len(f.msg) > 0 }

// set queues msg.
func (f *fragmenter) set(msg []byte) { f.msg, f.total = msg, len(msg) }

// next returns the next fragment's Type-Data: L and the total length on the
// first fragment of a split message (RFC 5216 §3.1), M on all but the last.
func (f *fragmenter) next() []byte {
	n := min(len(f.msg), f.size)
	var flags byte
	out := []byte{0}
	if n < len(f.msg) {
		flags |= flagMore
		if len(f.msg) == f.total {
			flags |= flagLength
			out = binary.BigEndian.AppendUint32(out, uint32(f.total))
		}
	}
	out[0] = flags
	out = append(out, f.msg[:n]...)
	f.msg = f.msg[n:]
	return out
}
