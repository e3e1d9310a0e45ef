package keymat

import (
	"bufio"
	"encoding/hex"
	"os"
	"strings"
	"testing"
)

// loadKAT reads a "name hex" file from testdata; lines starting with # are
// comments.
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
