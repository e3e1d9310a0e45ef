package dgram

import "golang.org/x/net/ipv4"

// Messages is a fixed array of messages with one buffer each, which a
// transport keeps for one direction and reuses on every call, so that a
// batch allocates nothing. The transport serialises the calls that use
// it.
type Messages struct {
	// Msgs are the messages; the buffer of Msgs[i] is what SetBuf(i)
	// sets.
	Msgs []ipv4.Message
	bufs [][1][]byte
}

// NewMessages returns n messages.
func NewMessages(n int) Messages {
	m := Messages{Msgs: make([]ipv4.Message, n), bufs: make([][1][]byte, n)}
	for i := range n {
		m.Msgs[i].Buffers = m.bufs[i][:]
	}
	return m
}

// SetBuf makes b the buffer of message i.
func (m *Messages) SetBuf(i int, b []byte) { m.bufs[i][0] = b }

// Buf returns the buffer of message i.
func (m *Messages) Buf(i int) []byte { return m.bufs[i][0] }

// Release drops the buffers of the first n messages, so that the
// transport holds none of its caller's buffers between calls.
func (m *Messages) Release(n int) {
	for i := range n {
		m.bufs[i][0] = nil
	}
}

// Write sends count datagrams through c, as many per call as there are
// messages. Before each call fill(j, i) prepares message j from datagram
// i: its buffer (SetBuf) and destination. Write returns how many were sent
// before c failed, and c's error; it stops when c sends nothing.
func (m *Messages) Write(c Conn, count int, fill func(j, i int)) (int, error) {
	sent := 0
	for sent < count {
		n := min(count-sent, len(m.Msgs))
		for j := range n {
			fill(j, sent+j)
		}
		k, err := c.WriteBatch(m.Msgs[:n], 0)
		m.Release(n)
		// sendmmsg reports -1 when it sent nothing at all.
		k = max(k, 0)
		sent += k
		if err != nil {
			return sent, err
		}
		if k == 0 {
			break
		}
	}
	return sent, nil
}
