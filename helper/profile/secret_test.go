package profile

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
)

// A Secret never prints, whatever the verb, also inside a Profile.
func TestSecretRedacted(t *testing.T) {
	const pw = "hunter2-secret"
	s := NewSecret(pw)
	p := &Profile{Name: "work", PSK: NewSecret(pw), Password: s, P12Password: s}
	for _, f := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"} {
		for _, v := range []any{s, p, *p} {
			if out := fmt.Sprintf(f, v); strings.Contains(out, pw) || strings.Contains(out, fmt.Sprintf("%x", pw)) {
				t.Errorf("%s prints the secret: %s", f, out)
			}
		}
	}
	for _, v := range []any{s, p} {
		b, err := json.Marshal(v)
		if err != nil || strings.Contains(string(b), pw) {
			t.Errorf("JSON %s (%v) holds the secret", b, err)
		}
	}
	if s.String() != redacted || s.Reveal() != pw {
		t.Errorf("String %q, Reveal %q", s, s.Reveal())
	}
	if NewSecret("") != nil || Secret(nil).Clone() != nil {
		t.Error("an empty secret is not nil")
	}
}

// Wipe zeroes every secret of a parsed profile in place: the arrays the
// profile held, and so every copy of the profile sharing them.
func TestProfileWipe(t *testing.T) {
	certPEM, keyPEM := testCertKey(t)
	for name, ap := range map[string]api.Profile{
		"psk":  {Name: "a", Gateway: "gw", Auth: api.AuthPSK, PSK: "pre-shared"},
		"eap":  {Name: "a", Gateway: "gw", Auth: api.AuthEAPMSCHAPv2, Username: "alice", Password: "pass word", CA: certPEM},
		"cert": {Name: "a", Gateway: "gw", Auth: api.AuthCert, Cert: certPEM, Key: keyPEM, CA: certPEM},
	} {
		p, err := Parse(&ap)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		cp := *p
		held := [][]byte{p.PSK, p.Password, p.P12Password, p.Key.Data, p.Cert.Data}
		p.Wipe()
		for i, b := range held {
			for _, c := range b {
				if c != 0 {
					t.Errorf("%s: secret %d survived Wipe", name, i)
					break
				}
			}
		}
		if cp.PSK.Reveal() != strings.Repeat("\x00", len(ap.PSK)) {
			t.Errorf("%s: a copy of the profile kept the PSK", name)
		}
		if p.CA.Data == nil && ap.CA != "" {
			t.Errorf("%s: Wipe dropped the CA, which is no secret", name)
		}
	}
}
