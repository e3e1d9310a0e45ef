package eaptls

import (
	"bytes"
	"errors"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
)

func TestFragmentRoundTrip(t *testing.T) {
	msg := bytes.Repeat([]byte("0123456789"), 25)
	f := fragmenter{size: 100}
	f.set(msg)
	var r reassembler
	var frags [][]byte
	for f.pending() {
		frags = append(frags, f.next())
	}
	// RFC 5216 §3.1: L and the length on the first fragment only, M on
	// all but the last.
	if len(frags) != 3 || frags[0][0] != flagLength|flagMore || frags[1][0] != flagMore || frags[2][0] != 0 {
		t.Fatalf("%d fragments, flags %x %x %x", len(frags), frags[0][0], frags[1][0], frags[2][0])
	}
	if !bytes.Equal(frags[0][1:5], []byte{0, 0, 0, 250}) {
		t.Errorf("length field %x", frags[0][1:5])
	}
	for i, fr := range frags {
		got, more, err := r.add(fr)
		if err != nil || more != (i < 2) {
			t.Fatalf("fragment %d: more %v, %v", i, more, err)
		}
		if i == 2 && !bytes.Equal(got, msg) {
			t.Error("reassembled message differs")
		}
	}
	f.set([]byte("short"))
	if one := f.next(); one[0] != 0 || string(one[1:]) != "short" || f.pending() {
		t.Errorf("unfragmented %x", one)
	}
}

func TestReassemblerErrors(t *testing.T) {
	for name, frags := range map[string][][]byte{
		"no flags":        {{}},
		"short length":    {{flagLength, 0, 0}},
		"too long":        {{flagLength | flagMore, 0x7f, 0, 0, 0}},
		"over announced":  {{flagLength | flagMore, 0, 0, 0, 2, 'a'}, {0, 'b', 'c'}},
		"under announced": {{flagLength | flagMore, 0, 0, 0, 9, 'a'}, {0, 'b'}},
	} {
		var r reassembler
		var err error
		for _, f := range frags {
			if _, _, err = r.add(f); err != nil {
				break
			}
		}
		if !errors.Is(err, eap.ErrMalformed) {
			t.Errorf("%s: %v", name, err)
		}
	}
	var r reassembler
	big := make([]byte, 1+DefaultFragmentSize)
	big[0] = flagMore
	var err error
	for i := 0; i < 2*maxMessage/DefaultFragmentSize && err == nil; i++ {
		_, _, err = r.add(big)
	}
	if !errors.Is(err, eap.ErrMalformed) {
		t.Errorf("unbounded reassembly: %v", err)
	}
}

func TestServerHelloRandom(t *testing.T) {
	rec := append([]byte{22, 3, 3, 0, 80, 2, 0, 0, 76, 3, 3}, bytes.Repeat([]byte{7}, 32)...)
	if r, ok := serverHelloRandom(rec); !ok || !bytes.Equal(r, bytes.Repeat([]byte{7}, 32)) {
		t.Errorf("random %x %v", r, ok)
	}
	rec[5] = 1 // a ClientHello
	if _, ok := serverHelloRandom(rec); ok {
		t.Error("found a random in a ClientHello")
	}
	if _, ok := serverHelloRandom(rec[:20]); ok {
		t.Error("found a random in a truncated record")
	}
}

// FuzzPeer feeds arbitrary Requests to a started peer: it never panics and
// never completes.
func FuzzPeer(f *testing.F) {
	w := newWorld(f)
	f.Add([]byte{flagLength | flagMore, 0, 0, 0, 10, 22, 3, 3}, []byte{0, 1, 2})
	f.Add([]byte{0, 22, 3, 3, 0, 2, 2, 0}, []byte{0})
	f.Add([]byte{0, 21, 3, 3, 0, 2, 2, 40}, []byte{flagStart})
	f.Fuzz(func(t *testing.T, a, b []byte) {
		p := NewPeer(w.peerConfig(0))
		defer p.Close()
		if _, err := p.Process([]byte{flagStart}); err != nil {
			t.Fatal(err)
		}
		for _, d := range [][]byte{a, b} {
			if _, err := p.Process(d); err != nil {
				break
			}
		}
		if p.Complete() {
			t.Fatal("completed on arbitrary data")
		}
	})
}
