package wire

import (
	"strings"
	"testing"
)

// TestDNSDomain reads INTERNAL_DNS_DOMAIN values as strongSwan's attr
// plugin sends them (the bare name, no NUL) and refuses what is no DNS
// name.
func TestDNSDomain(t *testing.T) {
	long := strings.Repeat("a", 63)
	for _, c := range []struct {
		in, want string
	}{
		{"corp.example", "corp.example"},
		{"Corp.Example.", "corp.example"},
		{"_srv.x-1.example", "_srv.x-1.example"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{strings.Repeat(long+".", 3) + strings.Repeat("b", 61), strings.Repeat(long+".", 3) + strings.Repeat("b", 61)},
	} {
		d, ok, err := DNSDomainAttribute(c.in).DNSDomain()
		if !ok || err != nil || d != c.want {
			t.Errorf("%q: %q %v %v, want %q", c.in, d, ok, err, c.want)
		}
	}
	for _, in := range []string{
		".", "..", "a..b", ".a", "-a.example", "a-.example", "a b", "a\x00", "a\n", "bücher.example",
		long + "a.example", strings.Repeat(long+".", 4),
		"a;rm", "a/b", "~.", "~corp.example",
	} {
		if d, ok, err := DNSDomainAttribute(in).DNSDomain(); ok || err == nil {
			t.Errorf("%q accepted as %q", in, d)
		}
	}
	// On the wire (RFC 8598 §4): type 25, the name's octets, no NUL.
	reply := &Configuration{ConfigType: CFGReply, Attributes: []ConfigAttribute{DNSDomainAttribute("corp.example")}}
	got := roundTrip(t, reply, hexBytes("02000000 0019000c 636f72702e6578616d706c65")).(*Configuration)
	if d, ok, err := got.Attributes[0].DNSDomain(); !ok || err != nil || d != "corp.example" {
		t.Errorf("decoded %q %v %v", d, ok, err)
	}
	if _, ok, err := (ConfigAttribute{Type: InternalDNSDomain}).DNSDomain(); ok || err != nil {
		t.Errorf("empty INTERNAL_DNS_DOMAIN: %v %v", ok, err)
	}
	if _, _, err := (ConfigAttribute{Type: InternalIP4DNS, Value: []byte("a")}).DNSDomain(); err == nil {
		t.Error("INTERNAL_IP4_DNS read as a domain")
	}
}

// FuzzDNSDomain checks that whatever a gateway sends, an accepted domain
// is a plain lower-case DNS name that reads back as itself.
func FuzzDNSDomain(f *testing.F) {
	for _, s := range []string{"corp.example", "A.b.", "", ".", "a..b", "x\x00y", "~."} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, v []byte) {
		d, ok, err := ConfigAttribute{Type: InternalDNSDomain, Value: v}.DNSDomain()
		if err != nil || !ok {
			return
		}
		if len(d) == 0 || len(d) > 253 || d != strings.ToLower(d) || strings.HasSuffix(d, ".") || strings.ContainsAny(d, " \t\r\n\x00;~/\\\"'") {
			t.Fatalf("%q accepted as %q", v, d)
		}
		if again, err := ParseDNSDomain(d); err != nil || again != d {
			t.Fatalf("%q reads back as %q, %v", d, again, err)
		}
	})
}
