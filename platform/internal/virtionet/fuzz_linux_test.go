package virtionet

import (
	"errors"
	"testing"

	"golang.org/x/sys/unix"
)

// FuzzSplit feeds reads the kernel might give, or should never give, to
// the Splitter: it must not panic, write beyond the buffer it is given,
// hand out more segments than the payload allows, or return an error
// other than ErrMalformed.
func FuzzSplit(f *testing.F) {
	payload := make([]byte, 3000)
	for i := range payload {
		payload[i] = byte(i * 7)
	}
	for _, p := range []packet{
		{tcp: true, ipOpts: 4, tcpOpts: 12, flags: 0x99, payload: payload, gsoSize: 1000},
		{tcp: true, is6: true, flags: 0x18, payload: payload[:1200], gsoSize: 500},
		{payload: payload[:2500], gsoSize: 1200},
		{is6: true, payload: payload[:10], gsoSize: 1},
	} {
		f.Add(p.read(), uint16(1500))
	}
	none := packet{payload: payload[:30], gsoSize: 1}.read()
	none[1] = unix.VIRTIO_NET_HDR_GSO_NONE
	f.Add(none, uint16(64))
	f.Fuzz(func(t *testing.T, read []byte, bufLen uint16) {
		var s Splitter
		if err := s.Reset(read); err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Reset: %v", err)
			}
			return
		}
		// The buffer sits in a larger one whose tail must stay untouched.
		backing := make([]byte, int(bufLen)+16)
		for i := range backing {
			backing[i] = 0xa5
		}
		dst := backing[:bufLen]
		limit := len(read) + 1
		for i := 0; s.More(); i++ {
			if i > limit {
				t.Fatalf("more than %d packets from a %d-byte read", limit, len(read))
			}
			n, err := s.Next(dst)
			if err != nil {
				if !errors.Is(err, ErrMalformed) || s.More() {
					t.Fatalf("Next: %v, More %v", err, s.More())
				}
				break
			}
			if n <= 0 || n > len(dst) || n > len(read)-HeaderLen {
				t.Fatalf("packet of %d bytes from a %d-byte read into %d", n, len(read), len(dst))
			}
		}
		for _, b := range backing[bufLen:] {
			if b != 0xa5 {
				t.Fatal("wrote beyond the buffer")
			}
		}
	})
}
