package dgram

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"golang.org/x/net/ipv4"
)

// scriptedConn is a Conn whose WriteBatch sends what its script says, one
// step per call, and records the payloads it was given.
type scriptedConn struct {
	steps []step
	calls int
	got   []string
	sizes []int
}

type step struct {
	n   int
	err error
}

func (c *scriptedConn) ReadBatch([]ipv4.Message, int) (int, error) {
	return 0, errors.New("scriptedConn does not read")
}

func (c *scriptedConn) WriteBatch(ms []ipv4.Message, _ int) (int, error) {
	s := c.steps[c.calls]
	c.calls++
	c.sizes = append(c.sizes, len(ms))
	for _, m := range ms[:max(s.n, 0)] {
		c.got = append(c.got, string(m.Buffers[0]))
	}
	return s.n, s.err
}

func payloads(n int) [][]byte {
	p := make([][]byte, n)
	for i := range p {
		p[i] = fmt.Appendf(nil, "datagram %d", i)
	}
	return p
}

func TestWriteSplitsIntoBatches(t *testing.T) {
	m := NewMessages(4)
	p := payloads(10)
	c := &scriptedConn{steps: []step{{4, nil}, {4, nil}, {2, nil}}}
	sent, err := m.Write(c, len(p), func(j, i int) { m.SetBuf(j, p[i]) })
	if sent != 10 || err != nil {
		t.Fatalf("Write = %d, %v; want 10, nil", sent, err)
	}
	if !slices.Equal(c.sizes, []int{4, 4, 2}) {
		t.Errorf("batches of %v, want [4 4 2]", c.sizes)
	}
	for i, g := range c.got {
		if g != string(p[i]) {
			t.Errorf("datagram %d sent as %q, want %q", i, g, p[i])
		}
	}
	for j := range m.Msgs {
		if m.Buf(j) != nil {
			t.Errorf("message %d still holds a caller's buffer", j)
		}
	}
}

// TestWriteResumesAfterShortSend checks that datagrams a call did not take
// go out in the next one, in order.
func TestWriteResumesAfterShortSend(t *testing.T) {
	m := NewMessages(4)
	p := payloads(5)
	c := &scriptedConn{steps: []step{{3, nil}, {2, nil}}}
	sent, err := m.Write(c, len(p), func(j, i int) { m.SetBuf(j, p[i]) })
	if sent != 5 || err != nil {
		t.Fatalf("Write = %d, %v; want 5, nil", sent, err)
	}
	if !slices.Equal(c.sizes, []int{4, 2}) {
		t.Errorf("batches of %v, want [4 2]", c.sizes)
	}
	want := []string{"datagram 0", "datagram 1", "datagram 2", "datagram 3", "datagram 4"}
	if !slices.Equal(c.got, want) {
		t.Errorf("sent %q, want %q", c.got, want)
	}
}

// TestWriteFailure checks the count Write returns when the socket fails:
// what went out before, never the -1 of a sendmmsg that sent nothing.
func TestWriteFailure(t *testing.T) {
	refused := errors.New("refused")
	for _, tc := range []struct {
		name  string
		steps []step
		want  int
	}{
		{"first call sends nothing", []step{{-1, refused}}, 0},
		{"second call sends nothing", []step{{2, nil}, {-1, refused}}, 2},
		{"second call sends some", []step{{2, nil}, {1, refused}}, 3},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMessages(2)
			p := payloads(6)
			c := &scriptedConn{steps: tc.steps}
			sent, err := m.Write(c, len(p), func(j, i int) { m.SetBuf(j, p[i]) })
			if sent != tc.want || !errors.Is(err, refused) {
				t.Errorf("Write = %d, %v; want %d, %v", sent, err, tc.want, refused)
			}
			if m.Buf(0) != nil || m.Buf(1) != nil {
				t.Error("a failed Write kept a caller's buffer")
			}
		})
	}
}

// TestWriteStopsWhenNothingSent checks that a socket taking nothing
// without an error ends Write instead of spinning.
func TestWriteStopsWhenNothingSent(t *testing.T) {
	m := NewMessages(2)
	p := payloads(4)
	c := &scriptedConn{steps: []step{{2, nil}, {0, nil}}}
	sent, err := m.Write(c, len(p), func(j, i int) { m.SetBuf(j, p[i]) })
	if sent != 2 || err != nil || c.calls != 2 {
		t.Errorf("Write = %d, %v after %d calls; want 2, nil after 2", sent, err, c.calls)
	}
}

func TestWriteAllocatesNothing(t *testing.T) {
	m := NewMessages(8)
	p := payloads(20)
	c := &countingConn{}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := m.Write(c, len(p), func(j, i int) { m.SetBuf(j, p[i]) }); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Write allocates %.1f times per call, want 0", allocs)
	}
}

// countingConn sends every message it is given.
type countingConn struct{ n int }

func (c *countingConn) ReadBatch([]ipv4.Message, int) (int, error) { return 0, nil }

func (c *countingConn) WriteBatch(ms []ipv4.Message, _ int) (int, error) {
	c.n += len(ms)
	return len(ms), nil
}
