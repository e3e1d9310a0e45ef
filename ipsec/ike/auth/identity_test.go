package auth

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"net"
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

func TestParseIdentity(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want wire.IDType
		data string
	}{
		{"gw.example.test", wire.IDFQDN, "gw.example.test"},
		{"@gw.example.test", wire.IDFQDN, "gw.example.test"},
		{"@@alice", wire.IDRFC822, "alice"},
		{"@#0a0b:ff", wire.IDKeyID, "\x0a\x0b\xff"},
		{"@#cafe", wire.IDKeyID, "\xca\xfe"},
		{"alice@example.test", wire.IDRFC822, "alice@example.test"},
		{"192.0.2.1", wire.IDIPv4Addr, "\xc0\x00\x02\x01"},
		{"2001:db8::1", wire.IDIPv6Addr, "\x20\x01\x0d\xb8\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x01"},
	} {
		id, err := ParseIdentity(tc.in)
		if err != nil {
			t.Fatalf("%q: %v", tc.in, err)
		}
		if id.IDType != tc.want || string(id.Data) != tc.data {
			t.Errorf("%q: got %v %q", tc.in, id.IDType, id.Data)
		}
	}
	for _, bad := range []string{"", "  ", "C=XX, Q=nope", "CN=a, =b", "@#", "@#xyz"} {
		if _, err := ParseIdentity(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

// A DN written the way strongSwan prints it matches the certificate's
// subject, although the certificate encodes its strings differently.
func TestDistinguishedNameMatchesCertificate(t *testing.T) {
	gw := kat.Certificate(t, "gw.crt")
	for _, s := range []string{"C=XX, O=IPsec Harness, CN=gw.example.test", "/C=XX/O=IPsec Harness/CN=gw.example.test"} {
		id, err := ParseIdentity(s)
		if err != nil {
			t.Fatal(err)
		}
		if id.IDType != wire.IDDERASN1DN {
			t.Fatalf("%q parsed as %v", s, id.IDType)
		}
		if err := MatchCertificate(id, gw); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		if err := MatchIdentity(id, wire.DNIdentity(gw.RawSubject)); err != nil {
			t.Fatalf("%q: %v", s, err)
		}
	}
	other, _ := ParseIdentity("C=XX, O=IPsec Harness, CN=other.example.test")
	if err := MatchCertificate(other, gw); !errors.Is(err, ErrIdentityMismatch) {
		t.Fatalf("err = %v, want ErrIdentityMismatch", err)
	}
	reordered, _ := ParseIdentity("CN=gw.example.test, O=IPsec Harness, C=XX")
	if err := MatchCertificate(reordered, gw); !errors.Is(err, ErrIdentityMismatch) {
		t.Fatalf("reordered DN: err = %v, want ErrIdentityMismatch", err)
	}
}

func TestMatchCertificateSubjectAltNames(t *testing.T) {
	cert := &x509.Certificate{
		DNSNames:       []string{"vpn.example.test"},
		EmailAddresses: []string{"gw@example.test"},
		IPAddresses:    []net.IP{net.ParseIP("192.0.2.1"), net.ParseIP("2001:db8::1")},
	}
	good := []wire.Identity{
		wire.FQDNIdentity("VPN.example.test"),
		wire.RFC822Identity("gw@example.test"),
		wire.AddrIdentity(netip.MustParseAddr("192.0.2.1")),
		wire.AddrIdentity(netip.MustParseAddr("2001:db8::1")),
	}
	for _, id := range good {
		if err := MatchCertificate(id, cert); err != nil {
			t.Errorf("%s: %v", id.String(), err)
		}
	}
	bad := []wire.Identity{
		wire.FQDNIdentity("other.example.test"),
		wire.RFC822Identity("vpn.example.test"),
		wire.AddrIdentity(netip.MustParseAddr("192.0.2.2")),
		wire.KeyIDIdentity([]byte("vpn.example.test")),
		{IDType: wire.IDIPv4Addr, Data: []byte{1, 2}},
	}
	for _, id := range bad {
		if err := MatchCertificate(id, cert); !errors.Is(err, ErrIdentityMismatch) {
			t.Errorf("%s: err = %v, want ErrIdentityMismatch", id.String(), err)
		}
	}
}

func TestMatchIdentity(t *testing.T) {
	fqdn := wire.FQDNIdentity("gw.example.test")
	if err := MatchIdentity(fqdn, wire.FQDNIdentity("GW.Example.Test")); err != nil {
		t.Fatal(err)
	}
	for _, other := range []wire.Identity{
		wire.FQDNIdentity("gw.example.org"),
		wire.RFC822Identity("gw.example.test"),
		wire.AddrIdentity(netip.MustParseAddr("192.0.2.1")),
	} {
		if err := MatchIdentity(fqdn, other); !errors.Is(err, ErrIdentityMismatch) {
			t.Errorf("%s: err = %v, want ErrIdentityMismatch", other.String(), err)
		}
	}
	a := wire.AddrIdentity(netip.MustParseAddr("198.51.100.7"))
	if err := MatchIdentity(a, wire.AddrIdentity(netip.MustParseAddr("::ffff:198.51.100.7"))); err != nil {
		t.Fatalf("IPv4-mapped address: %v", err)
	}
}

// DNs compare as strongSwan compares them: the string type does not matter,
// case only for PrintableStrings (and IA5String e-mail addresses), and the
// attributes keep their order.
func TestEqualDN(t *testing.T) {
	dn := func(tag int, cn string) []byte {
		b, err := asn1.Marshal(pkix.RDNSequence{{{Type: asn1.ObjectIdentifier{2, 5, 4, 3}, Value: asn1.RawValue{Tag: tag, Bytes: []byte(cn)}}}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	for _, tc := range []struct {
		name string
		a, b []byte
		want bool
	}{
		{"printable vs utf8", dn(asn1.TagPrintableString, "gw"), dn(asn1.TagUTF8String, "gw"), true},
		{"printable case", dn(asn1.TagPrintableString, "GW"), dn(asn1.TagPrintableString, "gw"), true},
		{"utf8 case", dn(asn1.TagUTF8String, "GW"), dn(asn1.TagUTF8String, "gw"), false},
		{"mixed types case", dn(asn1.TagPrintableString, "GW"), dn(asn1.TagUTF8String, "gw"), false},
		{"other value", dn(asn1.TagUTF8String, "gw"), dn(asn1.TagUTF8String, "gx"), false},
		{"garbage", []byte{0x30, 0x03, 1, 2, 3}, dn(asn1.TagUTF8String, "gw"), false},
	} {
		if got := equalDN(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}
