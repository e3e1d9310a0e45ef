package esp

import (
	"bytes"
	"encoding/hex"
	"regexp"
	"testing"

	"github.com/espressovpn/espresso/ipsec/internal/charonlog"
	"github.com/espressovpn/espresso/ipsec/internal/pcap"
	"github.com/espressovpn/espresso/ipsec/replay"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// The strongSwan exchange this test replays, kept once with the
// known-answer material of the IKE packages.
const (
	pskCapture = "../ike/internal/kat/testdata/psk.pcap"
	pskLog     = "../ike/internal/kat/testdata/psk-client-charon.log"
)

// charonLog is what the test needs from strongSwan's level-4 log: the Child
// SA keys and SPIs in the order they were made, and the inner packets the
// ESP layer logged in the order it logged them.
type charonLog struct {
	initKeys, respKeys [][]byte // "encryption initiator/responder key"
	inSPIs, outSPIs    []string // "established with SPIs <in>_i <out>_o"
	decrypted          [][]byte // "payload =>" dumps of inbound packets
	encrypted          [][]byte // "payload = =>" dumps of outbound packets
}

var spiLine = regexp.MustCompile(`established with SPIs ([0-9a-f]{8})_i ([0-9a-f]{8})_o`)

func readCharonLog(t *testing.T, path string) *charonLog {
	t.Helper()
	lines, err := charonlog.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dumps := func(label string) [][]byte {
		d, err := charonlog.Hex(lines, label)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	l := &charonLog{
		initKeys:  dumps("encryption initiator key"),
		respKeys:  dumps("encryption responder key"),
		decrypted: dumps("payload"),
		encrypted: dumps("payload ="),
	}
	seen := map[string]bool{}
	for _, s := range lines {
		if m := spiLine.FindStringSubmatch(s); m != nil && !seen[m[1]] {
			seen[m[1]] = true
			l.inSPIs = append(l.inSPIs, m[1])
			l.outSPIs = append(l.outSPIs, m[2])
		}
	}
	return l
}

// TestStrongSwanCapture decrypts every ESP packet of a real strongSwan 5.9.8
// exchange (UDP-encapsulated, AES-GCM-16 with 128-bit keys, two Child SAs
// because of a rekey) with the keys charon logged, and compares the inner
// packets with the ones charon logged before encrypting and after
// decrypting. The client was the IKE initiator, so its outbound SA uses the
// initiator key (RFC 7296 §2.17).
func TestStrongSwanCapture(t *testing.T) {
	l := readCharonLog(t, pskLog)
	if len(l.initKeys) != 2 || len(l.respKeys) != 2 || len(l.inSPIs) != 2 {
		t.Fatalf("log: %d/%d keys, %d SA pairs; want 2 Child SAs", len(l.initKeys), len(l.respKeys), len(l.inSPIs))
	}
	grams, err := pcap.ReadFile(pskCapture)
	if err != nil {
		t.Fatal(err)
	}
	client := "192.0.2.2"
	enc := suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}
	type sa struct {
		sa  *SA
		win *replay.Window
		out bool
	}
	sas := map[uint32]sa{}
	for i := range l.inSPIs {
		for _, d := range []struct {
			spi string
			key []byte
			out bool
		}{{l.inSPIs[i], l.respKeys[i], false}, {l.outSPIs[i], l.initKeys[i], true}} {
			spi, err := hex.DecodeString(d.spi)
			if err != nil {
				t.Fatal(err)
			}
			s, err := New(Params{SPI: uint32(spi[0])<<24 | uint32(spi[1])<<16 | uint32(spi[2])<<8 | uint32(spi[3]), Encr: enc, EncrKey: d.key})
			if err != nil {
				t.Fatal(err)
			}
			sas[s.SPI()] = sa{s, replay.New(0, false), d.out}
		}
	}
	var in, out [][]byte
	var s Scratch
	for _, g := range grams {
		if g.Dst.Port() != 4500 || Classify(g.Payload) != KindESP {
			continue
		}
		spi, low, _ := ParseHeader(g.Payload)
		x, ok := sas[spi]
		if !ok {
			t.Fatalf("ESP packet with unknown SPI %08x", spi)
		}
		if x.out != (g.Src.Addr().String() == client) {
			t.Fatalf("SPI %08x used in the wrong direction", spi)
		}
		seq, _ := x.win.Infer(low)
		if !x.win.Check(seq) {
			t.Fatalf("SPI %08x seq %d: replayed in capture", spi, seq)
		}
		pkt := bytes.Clone(g.Payload)
		inner, next, err := x.sa.Open(&s, pkt, seq)
		if err != nil {
			t.Fatalf("SPI %08x seq %d: %v", spi, seq, err)
		}
		x.win.Update(seq)
		if next != NextIPv4 {
			t.Fatalf("SPI %08x seq %d: next header %d", spi, seq, next)
		}
		if x.out {
			out = append(out, bytes.Clone(inner))
		} else {
			in = append(in, bytes.Clone(inner))
		}
	}
	compare := func(what string, got, want [][]byte) {
		t.Helper()
		if len(got) == 0 || len(got) != len(want) {
			t.Fatalf("%s: %d packets in capture, %d in log", what, len(got), len(want))
		}
		for i := range got {
			if !bytes.Equal(got[i], want[i]) {
				t.Errorf("%s packet %d: decrypted payload differs from the logged one", what, i)
			}
		}
	}
	compare("inbound", in, l.decrypted)
	compare("outbound", out, l.encrypted)
}
