package charonlog

import (
	"bytes"
	"strings"
	"testing"
)

// A piece of a real log: a key dump, an outbound ESP packet's plaintext
// ("payload = =>") and an inbound one's ("payload =>").
const sample = `18:58:36 14[CHD] <cli-psk|1> encryption initiator key => 4 bytes @ 0x55f15f118930
18:58:36 14[CHD] <cli-psk|1>    0: 0A 0B 0C 0D                                      ....
18:58:36 07[ESP] ESP before encryption:
18:58:36 07[ESP]   payload = => 2 bytes @ 0x7f60dc000bc0
18:58:36 07[ESP]    0: 45 00                                            E.
18:58:36 06[ESP] ESP payload:
18:58:36 06[ESP]   payload => 3 bytes @ 0x7f60e4000c90
18:58:36 06[ESP]    0: 45 00 01                                         E..
18:58:36 06[ESP] done`

func TestHex(t *testing.T) {
	lines, err := Read(strings.NewReader(sample))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		label string
		want  []byte
	}{
		{"encryption initiator key", []byte{0x0a, 0x0b, 0x0c, 0x0d}},
		{"payload =", []byte{0x45, 0x00}},
		{"payload", []byte{0x45, 0x00, 0x01}},
	} {
		got, err := Hex(lines, c.label)
		if err != nil || len(got) != 1 || !bytes.Equal(got[0], c.want) {
			t.Errorf("Hex(%q) = %x, %v; want one dump %x", c.label, got, err, c.want)
		}
	}
	if got := Text(lines[2]); got != "ESP before encryption:" {
		t.Errorf("Text = %q", got)
	}
}
