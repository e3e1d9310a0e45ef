package auth

import (
	"bufio"
	"encoding/binary"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/pcap"
)

// Payload types of RFC 7296 §3.2 and RFC 7383 §2.5 the tests look for.
const (
	ptIDi   = 35
	ptIDr   = 36
	ptCERT  = 37
	ptAUTH  = 39
	ptNonce = 40
	ptN     = 41
	ptSK    = 46
	ptSKF   = 53
)

// ikeMessages returns the IKE messages of a capture in testdata, in order.
func ikeMessages(t testing.TB, name string) [][]byte {
	t.Helper()
	ds, err := pcap.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	var msgs [][]byte
	for _, d := range ds {
		if m, ok := d.IKE(); ok {
			msgs = append(msgs, m)
		}
	}
	return msgs
}

// sealed is the SK or SKF payload of a message, split as Open wants it.
type sealed struct {
	head, body  []byte
	first       byte // type of the first inner payload
	frag, total uint16
}

// findSealed walks the cleartext payload chain of an IKE message (RFC 7296
// §3.1, §3.2) to its SK or SKF payload.
func findSealed(t testing.TB, msg []byte) sealed {
	t.Helper()
	if len(msg) < 28 {
		t.Fatalf("message of %d bytes", len(msg))
	}
	next, off := msg[16], 28
	for off+4 <= len(msg) {
		n := int(binary.BigEndian.Uint16(msg[off+2:]))
		if n < 4 || off+n > len(msg) {
			t.Fatalf("bad payload length %d at %d", n, off)
		}
		switch next {
		case ptSK:
			return sealed{head: msg[:off+4], body: msg[off+4 : off+n], first: msg[off]}
		case ptSKF:
			return sealed{
				head: msg[:off+8], body: msg[off+8 : off+n], first: msg[off],
				frag: binary.BigEndian.Uint16(msg[off+4:]), total: binary.BigEndian.Uint16(msg[off+6:]),
			}
		}
		next, off = msg[off], off+n
	}
	t.Fatal("no SK or SKF payload")
	return sealed{}
}

// innerPayload is one payload of a decrypted body.
type innerPayload struct {
	typ  byte
	body []byte
}

// innerPayloads walks a decrypted payload chain whose first payload has
// type first, failing the test if it does not fill b exactly.
func innerPayloads(t testing.TB, first byte, b []byte) []innerPayload {
	t.Helper()
	var ps []innerPayload
	for typ := first; typ != 0; {
		if len(b) < 4 {
			t.Fatalf("truncated payload chain: %d bytes left", len(b))
		}
		n := int(binary.BigEndian.Uint16(b[2:]))
		if n < 4 || n > len(b) {
			t.Fatalf("bad inner payload length %d", n)
		}
		ps = append(ps, innerPayload{typ: typ, body: b[4:n]})
		typ, b = b[0], b[n:]
	}
	if len(b) != 0 {
		t.Fatalf("%d bytes after the payload chain", len(b))
	}
	return ps
}

// loadKAT reads a "name hex" file from testdata; # starts a comment line.
func loadKAT(t testing.TB, name string) map[string][]byte {
	t.Helper()
	f, err := os.Open("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	kat := map[string][]byte{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, v, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s: bad line %q", name, line)
		}
		b, err := hex.DecodeString(v)
		if err != nil {
			t.Fatalf("%s: %s: %v", name, k, err)
		}
		kat[k] = b
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return kat
}

// find returns the body of the first payload of type typ.
func find(t testing.TB, ps []innerPayload, typ byte) []byte {
	t.Helper()
	for _, p := range ps {
		if p.typ == typ {
			return p.body
		}
	}
	t.Fatalf("no payload of type %d", typ)
	return nil
}
