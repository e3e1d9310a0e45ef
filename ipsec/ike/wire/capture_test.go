package wire

import (
	"bufio"
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/hex"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/pcap"
)

// The strongSwan 5.9.8 captures in testdata: a client (192.0.2.2) and a
// gateway (192.0.2.1) negotiating aes128gcm16-prfsha256-x25519, with the
// client's charon log at level 4, which dumps the IKE SA keys.
var captures = []string{"psk", "cert"}

// Sizes of the IKE SA's AES-GCM-16 with a 128-bit key (RFC 5282 §3, §7.1):
// the 8-byte explicit IV, the 16-byte ICV and the 4-byte salt at the end of
// SK_e.
const (
	gcmIVLen   = 8
	gcmICVLen  = 16
	gcmSaltLen = 4
)

// captured is one IKE message of a capture.
type captured struct {
	file  string
	index int    // position among the capture's IKE messages
	raw   []byte // the message as sent, without the non-ESP marker
	msg   *Message
	// inner holds the decrypted payload chain of an SK message, or of the
	// message reassembled from SKF fragments on the last fragment; plain is
	// its plaintext with the padding removed.
	inner     Payloads
	plain     []byte
	decrypted bool
}

var loadCaptures = sync.OnceValues(func() ([]*captured, error) {
	var all []*captured
	for _, name := range captures {
		ms, err := readCapture(name)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		all = append(all, ms...)
	}
	return all, nil
})

// testCaptures returns the IKE messages of every capture, parsed, with the
// encrypted ones decrypted using the keys of the client's log.
func testCaptures(tb testing.TB) []*captured {
	tb.Helper()
	ms, err := loadCaptures()
	if err != nil {
		tb.Fatal(err)
	}
	return ms
}

func readCapture(name string) ([]*captured, error) {
	ds, err := pcap.ReadFile("testdata/" + name + ".pcap")
	if err != nil {
		return nil, err
	}
	keys, err := ikeKeys("testdata/" + name + "-client-charon.log")
	if err != nil {
		return nil, err
	}
	var out []*captured
	var spis []uint64 // SPIi of each IKE SA, in order of appearance
	var frags [][]byte
	fragFirst := PayloadNone
	for _, d := range ds {
		raw, ok := d.IKE()
		if !ok {
			continue
		}
		c := &captured{file: name, index: len(out), raw: raw}
		out = append(out, c)
		if c.msg, err = ParseMessage(raw); err != nil {
			return nil, fmt.Errorf("message %d: %w", c.index, err)
		}
		last := c.msg.Payloads[len(c.msg.Payloads)-1]
		if last.Type() != PayloadSK && last.Type() != PayloadSKF {
			continue
		}
		if !slices.Contains(spis, c.msg.Header.SPIi) {
			spis = append(spis, c.msg.Header.SPIi)
		}
		sa := slices.Index(spis, c.msg.Header.SPIi)
		if sa >= len(keys) {
			return nil, fmt.Errorf("message %d: no keys for IKE SA %d", c.index, sa)
		}
		key := keys[sa].er
		if c.msg.Header.IsInitiator() {
			key = keys[sa].ei
		}
		plain, err := openGCM(raw, key)
		if err != nil {
			return nil, fmt.Errorf("message %d: %w", c.index, err)
		}
		first := PayloadNone
		switch p := last.(type) {
		case *Encrypted:
			first = p.FirstPayload
		case *EncryptedFragment:
			// RFC 7383 §2.6: the receiver decrypts each fragment and
			// joins the plaintexts in fragment-number order; the
			// captures deliver them in order.
			if p.Number == 1 {
				fragFirst = p.FirstPayload
			}
			frags = append(frags, plain)
			if p.Number != p.Total {
				continue
			}
			plain = bytes.Join(frags, nil)
			frags = nil
			first = fragFirst
		}
		if c.inner, err = ParsePayloads(first, plain); err != nil {
			return nil, fmt.Errorf("message %d: inner payloads: %w", c.index, err)
		}
		c.plain, c.decrypted = plain, true
	}
	return out, nil
}

// openGCM decrypts the SK or SKF payload of msg with AES-GCM-16 and returns
// the inner payloads without padding (RFC 5282 §3, §5).
func openGCM(msg, ske []byte) ([]byte, error) {
	s, err := SplitSealed(msg, gcmIVLen, gcmICVLen)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(ske[:len(ske)-gcmSaltLen])
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	nonce := append(slices.Clone(ske[len(ske)-gcmSaltLen:]), s.IV...)
	sealed := append(slices.Clone(s.Ciphertext), s.ICV...)
	plain, err := aead.Open(nil, nonce, sealed, s.AAD)
	if err != nil {
		return nil, fmt.Errorf("decryption failed")
	}
	pad := int(plain[len(plain)-1])
	if pad+1 > len(plain) {
		return nil, fmt.Errorf("pad length %d of %d bytes", pad, len(plain))
	}
	return plain[:len(plain)-1-pad], nil
}

type saKeys struct{ ei, er []byte }

// ikeKeys returns the SK_ei and SK_er of each IKE SA of a charon log, in
// the order the log derives them.
func ikeKeys(path string) ([]saKeys, error) {
	ei, err := logHex(path, "Sk_ei secret")
	if err != nil {
		return nil, err
	}
	er, err := logHex(path, "Sk_er secret")
	if err != nil {
		return nil, err
	}
	if len(ei) != len(er) || len(ei) == 0 {
		return nil, fmt.Errorf("%s: %d SK_ei and %d SK_er", path, len(ei), len(er))
	}
	keys := make([]saKeys, len(ei))
	for i := range ei {
		keys[i] = saKeys{ei[i], er[i]}
	}
	return keys, nil
}

var hexLine = regexp.MustCompile(`^\s*\d+: ((?:[0-9A-F]{2} )*[0-9A-F]{2})`)

// logHex returns every hex dump that follows a charon log line containing
// label ("natd_hash", "Sk_ei secret"), in order.
func logHex(path, label string) ([][]byte, error) {
	lines, err := logLines(path)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for i := 0; i < len(lines); i++ {
		if !strings.Contains(lines[i], label+" =>") {
			continue
		}
		var b []byte
		for i+1 < len(lines) {
			m := hexLine.FindStringSubmatch(logText(lines[i+1]))
			if m == nil {
				break
			}
			d, err := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
			if err != nil {
				return nil, err
			}
			b = append(b, d...)
			i++
		}
		out = append(out, b)
	}
	return out, nil
}

// logText returns a charon log line without its time, thread, group and
// IKE SA prefix.
func logText(line string) string {
	if i := strings.Index(line, "> "); i >= 0 {
		return line[i+2:]
	}
	if i := strings.Index(line, "] "); i >= 0 {
		return line[i+2:]
	}
	return line
}

func logLines(path string) ([]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []string
	s := bufio.NewScanner(f)
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	return lines, s.Err()
}

// bodies returns the encoded bodies of every payload of type t in the
// captures, cleartext and decrypted: seeds for the fuzz targets.
func bodies(tb testing.TB, t PayloadType) [][]byte {
	var out [][]byte
	for _, c := range testCaptures(tb) {
		for _, p := range slices.Concat(c.msg.Payloads, c.inner) {
			if p.Type() != t {
				continue
			}
			b, err := p.AppendBody(nil)
			if err != nil {
				tb.Fatal(err)
			}
			out = append(out, b)
		}
	}
	return out
}
