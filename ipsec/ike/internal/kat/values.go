package kat

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"strings"
	"testing"
)

// Values returns the values strongSwan logged in a capture's exchange ("psk"
// or "cert"), by name: "sk_ei", "octets_r", "rekey_child_ni". The names and
// what they hold are listed, with comments, in testdata/NAME.txt.
func Values(tb testing.TB, capture string) map[string][]byte {
	tb.Helper()
	v, err := parseValues(File(tb, capture+".txt"))
	if err != nil {
		tb.Fatalf("%s values: %v", capture, err)
	}
	return v
}

// parseValues reads "name hex" lines; blank lines and lines starting with #
// are skipped. A name given twice is an error, so no value hides another.
func parseValues(b []byte) (map[string][]byte, error) {
	v := map[string][]byte{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		k, h, ok := strings.Cut(line, " ")
		if !ok {
			return nil, fmt.Errorf("bad line %q", line)
		}
		if _, dup := v[k]; dup {
			return nil, fmt.Errorf("%s given twice", k)
		}
		d, err := hex.DecodeString(h)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", k, err)
		}
		v[k] = d
	}
	return v, sc.Err()
}

// Hex decodes hex written with optional spaces, as tests lay out expected
// encodings field by field, and fails tb if it is not hex.
func Hex(tb testing.TB, s string) []byte {
	tb.Helper()
	b, err := hex.DecodeString(strings.ReplaceAll(s, " ", ""))
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
