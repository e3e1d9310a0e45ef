package kat

import (
	"bytes"
	"crypto/x509"
	"fmt"
	"testing"
	"time"
)

func TestParseValues(t *testing.T) {
	v, err := parseValues([]byte("# comment\n\n  a 0102\n b 03 \n"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(v["a"], []byte{1, 2}) || !bytes.Equal(v["b"], []byte{3}) || len(v) != 2 {
		t.Errorf("parsed %x", v)
	}
	for _, bad := range []string{"novalue\n", "b \n", "a 01\na 02\n", "a 0g\n", "a 012\n"} {
		if _, err := parseValues([]byte(bad)); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestHex(t *testing.T) {
	if got := Hex(t, "0102 0a0B"); !bytes.Equal(got, []byte{1, 2, 10, 11}) {
		t.Errorf("Hex = %x", got)
	}
}

// The values files agree with the charon logs they were taken from, for the
// keys both hold: a typo in either shows here rather than as a puzzling
// failure in the packages that use them.
func TestValuesMatchLogs(t *testing.T) {
	for _, tc := range []struct {
		capture string
		label   string
		names   []string // the value of each dump of label, in log order
	}{
		{"psk", "SKEYSEED", []string{"skeyseed", "rekey_ike_skeyseed"}},
		{"psk", "Sk_d secret", []string{"sk_d", "rekey_ike_sk_d"}},
		{"psk", "Sk_ei secret", []string{"sk_ei", "rekey_ike_sk_ei"}},
		{"psk", "Sk_er secret", []string{"sk_er", "rekey_ike_sk_er"}},
		{"psk", "Sk_pi secret", []string{"sk_pi", "rekey_ike_sk_pi"}},
		{"psk", "Sk_pr secret", []string{"sk_pr", "rekey_ike_sk_pr"}},
		{"psk", "natd_chunk", []string{"natd_chunk_0", "natd_chunk_1", "natd_chunk_2", "natd_chunk_3"}},
		{"psk", "natd_hash", []string{"natd_hash_0", "natd_hash_1", "natd_hash_2", "natd_hash_3"}},
		{"cert", "SKEYSEED", []string{"skeyseed"}},
		{"cert", "Sk_ei secret", []string{"sk_ei"}},
		{"cert", "Sk_er secret", []string{"sk_er"}},
		{"cert", "Sk_pi secret", []string{"sk_pi"}},
		{"cert", "Sk_pr secret", []string{"sk_pr"}},
	} {
		t.Run(tc.capture+" "+tc.label, func(t *testing.T) {
			v := Values(t, tc.capture)
			dumps, err := LogHex(tc.capture, tc.label)
			if err != nil {
				t.Fatal(err)
			}
			if len(dumps) != len(tc.names) {
				t.Fatalf("%d dumps in the log, want %d", len(dumps), len(tc.names))
			}
			for i, name := range tc.names {
				if len(v[name]) == 0 || !bytes.Equal(dumps[i], v[name]) {
					t.Errorf("%s mismatch", name)
				}
			}
		})
	}
}

// Each capture holds the IKE messages its README lists, and the walkers
// find what the values files say is in them.
func TestMessages(t *testing.T) {
	for capture, want := range map[string]int{"psk": 14, "cert": 8} {
		msgs := IKEMessages(t, capture)
		if len(msgs) != want {
			t.Fatalf("%s: %d IKE messages, want %d", capture, len(msgs), want)
		}
		v := Values(t, capture)
		for i, name := range []string{"ni", "nr"} {
			m := msgs[i]
			if !bytes.Equal(Find(t, Payloads(t, m[16], m[28:]), Nonce), v[name]) {
				t.Errorf("%s: IKE_SA_INIT %s mismatch", capture, name)
			}
		}
	}
	// The certificate exchange's IKE_AUTH request comes in two SKF
	// fragments (RFC 7383 §2.5); the PSK one in a single SK payload.
	cert := IKEMessages(t, "cert")
	for i, m := range cert[2:4] {
		s := FindSealed(t, m)
		if s.Frag != uint16(i+1) || s.Total != 2 || len(s.Head) != 36 || len(s.Head)+len(s.Body) != len(m) {
			t.Errorf("fragment %d: %d/%d, head %d, body %d of %d", i+1, s.Frag, s.Total, len(s.Head), len(s.Body), len(m))
		}
		if (i == 0) != (s.First == IDi) {
			t.Errorf("fragment %d names first payload %d", i+1, s.First)
		}
	}
	s := FindSealed(t, IKEMessages(t, "psk")[2])
	if s.Frag != 0 || s.Total != 0 || len(s.Head) != 32 || s.First != IDi {
		t.Errorf("SK payload %+v", s)
	}
}

func TestCertificates(t *testing.T) {
	ca, gw, client := Certificate(t, "ca.crt"), Certificate(t, "gw.crt"), Certificate(t, "client.crt")
	roots := x509.NewCertPool()
	roots.AddCert(ca)
	// Inside the five years from the capture's day, so the clock does not
	// matter.
	at := time.Date(2027, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, c := range []*x509.Certificate{gw, client} {
		if _, err := c.Verify(x509.VerifyOptions{Roots: roots, CurrentTime: at, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}}); err != nil {
			t.Errorf("%s: %v", c.Subject, err)
		}
	}
	if fmt.Sprint(gw.DNSNames) != "[gw.example.test]" {
		t.Errorf("gateway names %v", gw.DNSNames)
	}
}
