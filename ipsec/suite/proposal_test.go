package suite

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

func TestParseProposal(t *testing.T) {
	tests := []struct {
		in   string
		esp  bool
		want string
	}{
		{"aes256gcm16-prfsha384-x25519", false, "aes256gcm16-prfsha384-x25519"},
		{"aes128-sha256-modp2048", false, "aes128-sha256-prfsha256-modp2048"},
		{"aes256-sha384-sha256-ecp384", false, "aes256-sha384-sha256-prfsha384-prfsha256-ecp384"},
		{"chacha20poly1305-prfsha256-ecp256", false, "chacha20poly1305-prfsha256-ecp256"},
		{"aes256gcm16-sha512-curve25519", false, "aes256gcm16-prfsha512-x25519"},
		{"AES128GCM128-PRFSHA256-MODP3072", false, "aes128gcm16-prfsha256-modp3072"},
		{"aes256gcm16", true, "aes256gcm16-noesn"},
		{"aes128gcm16-x25519-esn", true, "aes128gcm16-x25519-esn"},
		{"esn-aes128-sha256-noesn", true, "aes128-sha256-esn-noesn"},
		{"aes192-sha512", true, "aes192-sha512-noesn"},
		{"aes128gcm16-sha256", true, "aes128gcm16-noesn"},
		// strongSwan's spellings of NONE: PFS optional in ESP, dropped
		// from IKE proposals (proposal.c check_proposal).
		{"aes128gcm16-x25519-ecp256-modp2048-modpnone", true, "aes128gcm16-x25519-ecp256-modp2048-modpnone-noesn"},
		{"aes256gcm16-none-ecp384", true, "aes256gcm16-modpnone-ecp384-noesn"},
		{"aes128gcm16-MODPNONE", true, "aes128gcm16-modpnone-noesn"},
		{"aes256gcm16-prfsha384-x25519-modpnone", false, "aes256gcm16-prfsha384-x25519"},
	}
	for _, tt := range tests {
		p, err := ParseProposal(tt.in, tt.esp)
		if err != nil {
			t.Errorf("ParseProposal(%q, %v): %v", tt.in, tt.esp, err)
			continue
		}
		if got := p.String(); got != tt.want {
			t.Errorf("ParseProposal(%q, %v) = %q, want %q", tt.in, tt.esp, got, tt.want)
		}
		again, err := ParseProposal(p.String(), tt.esp)
		if err != nil || again.String() != p.String() {
			t.Errorf("round trip of %q: %q, %v", p, again, err)
		}
	}
}

func TestParseProposalTransforms(t *testing.T) {
	p, err := ParseProposal("aes128gcm16-x25519-esn", true)
	if err != nil {
		t.Fatal(err)
	}
	want := []Transform{
		{TypeEncr, EncrAESGCM16, 128},
		{TypeKE, GroupCurve25519, 0},
		{TypeESN, ESNYes, 0},
	}
	if len(p.Transforms) != len(want) {
		t.Fatalf("got %v", p.Transforms)
	}
	for i := range want {
		if p.Transforms[i] != want[i] {
			t.Errorf("transform %d = %+v, want %+v", i, p.Transforms[i], want[i])
		}
	}
}

func TestParseProposalErrors(t *testing.T) {
	tests := []struct {
		in    string
		esp   bool
		token string // must appear in the error
	}{
		{"3des-sha256-modp2048", false, "3des"},
		{"aes128-md5-modp2048", false, "md5"},
		{"aes128-sha1-modp2048", false, "sha1"},
		{"aes128-sha256-modp1024", false, "modp1024"},
		{"aes128gcm8", true, "aes128gcm8"},
		{"aes128-sha256-bogus", false, "bogus"},
		{"aes128-sha256", false, "key exchange"},
		{"aes128gcm16-x25519", false, "PRF"},
		{"aes128-x25519", true, "integrity"},
		{"aes128-aes128gcm16-sha256", true, "mixed"},
		{"sha256-x25519", true, "no encryption"},
		{"aes128gcm16-prfsha256", true, "prfsha256"},
		{"aes128gcm16-prfsha256-modpnone", false, "key exchange"},
		{"aes128gcm16-prfsha256-x25519-esn", false, "esn"},
		{"", true, "empty"},
		{"aes128gcm16--x25519", true, "empty algorithm"},
	}
	for _, tt := range tests {
		_, err := ParseProposal(tt.in, tt.esp)
		if err == nil {
			t.Errorf("ParseProposal(%q, %v) succeeded", tt.in, tt.esp)
			continue
		}
		if !errors.Is(err, ErrInvalidProposal) {
			t.Errorf("ParseProposal(%q): error %v is not ErrInvalidProposal", tt.in, err)
		}
		if !strings.Contains(err.Error(), tt.token) {
			t.Errorf("ParseProposal(%q) error %q does not name %q", tt.in, err, tt.token)
		}
	}
}

func TestDefaults(t *testing.T) {
	for _, p := range DefaultIKE() {
		if len(p.Of(TypeEncr)) == 0 || len(p.Of(TypePRF)) == 0 || len(p.Of(TypeKE)) == 0 {
			t.Errorf("IKE default %v incomplete", p)
		}
		for _, tr := range p.Transforms {
			if !Supported(tr) {
				t.Errorf("IKE default %v has unsupported %v", p, tr)
			}
		}
	}
	// The hybrid proposal comes first; a gateway without RFC 9370 takes
	// one of the classical ones, which start with the same method.
	if got := DefaultIKE()[0].AddKEs(); len(got) == 0 {
		t.Errorf("first IKE default %v has no additional key exchange", DefaultIKE()[0])
	}
	for _, p := range DefaultIKE()[1:] {
		if p.Of(TypeKE)[0] != DefaultIKE()[0].Of(TypeKE)[0] || len(p.AddKEs()) != 0 {
			t.Errorf("classical IKE default %v", p)
		}
	}
	// PFS with the classical IKE defaults' key exchange methods, NONE
	// last: the gateway's rekeys work whether it wants PFS or not.
	wantKE := append(DefaultIKE()[1].Of(TypeKE), Transform{Type: TypeKE, ID: KENone})
	for _, p := range DefaultESP() {
		if len(p.Of(TypeEncr)) == 0 || len(p.Of(TypeESN)) != 2 || len(p.Of(TypePRF)) != 0 {
			t.Errorf("ESP default %v incomplete", p)
		}
		if got := p.Of(TypeKE); !slices.Equal(got, wantKE) {
			t.Errorf("ESP default %v: key exchange methods %v, want %v", p, got, wantKE)
		}
	}
}

func TestTransformString(t *testing.T) {
	tests := map[Transform]string{
		{TypeEncr, EncrAESGCM16, 256}:         "aes256gcm16",
		{TypeEncr, EncrAESCBC, 128}:           "aes128",
		{TypePRF, PRFHMACSHA2_384, 0}:         "prfsha384",
		{TypeKE, GroupCurve25519, 0}:          "x25519",
		{TypeKE, KENone, 0}:                   "modpnone",
		{TypeInteg, IntegHMACSHA2_256_128, 0}: "sha256",
		{TypeESN, ESNYes, 0}:                  "esn",
		{TypeEncr, 3, 0}:                      "ENCR(3)",
		{TypeEncr, EncrAESGCM16, 100}:         "ENCR(20,100)",
	}
	for tr, want := range tests {
		if got := tr.String(); got != want {
			t.Errorf("%+v.String() = %q, want %q", tr, got, want)
		}
	}
}

// RFC 9370 §3: additional key exchanges in strongSwan 6's syntax, keN_
// before the method, NONE making one optional.
func TestParseAdditionalKeyExchanges(t *testing.T) {
	tests := []struct {
		in   string
		esp  bool
		want string
		kes  string
	}{
		{"aes256gcm16-prfsha384-x25519-ke1_mlkem768", false, "aes256gcm16-prfsha384-x25519-ke1_mlkem768", "x25519 + ML-KEM-768"},
		{"aes256gcm16-prfsha384-ecp384-ke1_mlkem1024", false, "aes256gcm16-prfsha384-ecp384-ke1_mlkem1024", "ecp384 + ML-KEM-1024"},
		{"aes256gcm16-prfsha384-mlkem768", false, "aes256gcm16-prfsha384-mlkem768", "ML-KEM-768"},
		{"aes256gcm16-prfsha384-x25519-ke2_mlkem1024-ke1_mlkem768-ke1_none", false, "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke1_modpnone-ke2_mlkem1024", "x25519 + ML-KEM-768 + ML-KEM-1024"},
		{"aes256gcm16-x25519-ke1_mlkem768-ke7_ecp384-esn", true, "aes256gcm16-x25519-ke1_mlkem768-ke7_ecp384-esn", "x25519 + ML-KEM-768 + ecp384"},
		{"KE1_MLKEM768-aes256gcm16-prfsha384-x25519", false, "aes256gcm16-prfsha384-x25519-ke1_mlkem768", "x25519 + ML-KEM-768"},
	}
	for _, tt := range tests {
		p, err := ParseProposal(tt.in, tt.esp)
		if err != nil {
			t.Errorf("ParseProposal(%q): %v", tt.in, err)
			continue
		}
		if got := p.String(); got != tt.want {
			t.Errorf("ParseProposal(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if got := p.KeyExchanges(); got != tt.kes {
			t.Errorf("%q: KeyExchanges() = %q, want %q", tt.in, got, tt.kes)
		}
		again, err := ParseProposal(p.String(), tt.esp)
		if err != nil || !slices.Equal(again.Transforms, p.Transforms) {
			t.Errorf("%q does not round trip: %v %v", p, again, err)
		}
	}
	bad := []struct{ in, token string }{
		{"aes256gcm16-prfsha384-x25519-ke1_mlkem512", "ke1_mlkem512"},
		{"aes256gcm16-prfsha384-mlkem512", "mlkem512"},
		{"aes256gcm16-prfsha384-x25519-ke8_mlkem768", "ke8_mlkem768"},
		{"aes256gcm16-prfsha384-x25519-ke0_mlkem768", "ke0_mlkem768"},
		{"aes256gcm16-prfsha384-x25519-ke1_aes128", "ke1_aes128"},
		{"aes256gcm16-prfsha384-x25519-ke1_modp1024", "ke1_modp1024"},
		{"aes256gcm16-prfsha384-ke1_mlkem768", "a key exchange method is needed"},
		{"aes256gcm16-ke1_mlkem768", "ke1_mlkem768"},
	}
	for _, tt := range bad {
		esp := tt.in == "aes256gcm16-ke1_mlkem768"
		_, err := ParseProposal(tt.in, esp)
		if err == nil || !errors.Is(err, ErrInvalidProposal) || !strings.Contains(err.Error(), tt.token) {
			t.Errorf("ParseProposal(%q) = %v, want an error naming %q", tt.in, err, tt.token)
		}
	}
}

func TestAddKETypes(t *testing.T) {
	for n := 1; n <= MaxAddKE; n++ {
		typ := TypeAddKE(n)
		if int(typ) != 5+n || typ.AddKEIndex() != n || !typ.IsKE() || typ.String() != fmt.Sprintf("ADDKE%d", n) {
			t.Errorf("ADDKE%d: type %d, index %d, %q", n, typ, typ.AddKEIndex(), typ)
		}
	}
	if TypeESN.IsKE() || TypeESN.AddKEIndex() != 0 || !TypeKE.IsKE() || TransformType(13).IsKE() {
		t.Error("IsKE wrong outside ADDKE1..7")
	}
	if !Supported(Transform{Type: TypeAddKE(3), ID: KEMLKEM1024}) || Supported(Transform{Type: TypeAddKE(3), ID: KEMLKEM512}) {
		t.Error("Supported wrong for additional key exchanges")
	}
	if got := (Transform{Type: TypeAddKE(2), ID: 99}).String(); got != "ADDKE2(99)" {
		t.Errorf("unknown ADDKE method prints %q", got)
	}
}

// FuzzParseProposal: any string either parses into a proposal whose
// string parses back to the same transforms, or is refused with a
// *ProposalError; keN_ prefixes included.
func FuzzParseProposal(f *testing.F) {
	for _, s := range []string{
		"aes256gcm16-prfsha384-x25519-ke1_mlkem768",
		"aes256gcm16-prfsha384-ecp384-ke1_mlkem1024-ke2_none",
		"aes128-sha256-mlkem768", "aes256gcm16-x25519-ke7_ecp256-esn",
		"ke1_mlkem512", "ke9_x25519", "ke1_", "ke1_ke1_mlkem768",
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	f.Fuzz(func(t *testing.T, s string, esp bool) {
		p, err := ParseProposal(s, esp)
		if err != nil {
			if !errors.Is(err, ErrInvalidProposal) {
				t.Fatalf("%q: error %v is not ErrInvalidProposal", s, err)
			}
			return
		}
		again, err := ParseProposal(p.String(), esp)
		if err != nil || !slices.Equal(again.Transforms, p.Transforms) {
			t.Fatalf("%q -> %q does not round trip: %v", s, p, err)
		}
		_ = p.KeyExchanges()
	})
}
