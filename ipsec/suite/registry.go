package suite

// alg is one supported transform and its canonical strongSwan keyword.
type alg struct {
	name string
	t    Transform
}

// algs lists every supported transform; the first entry for a transform gives
// its canonical name. Keeping this a plain table (not init-time registration)
// lets a reader see the whole supported set in one place.
var algs = []alg{
	{"aes128", Transform{TypeEncr, EncrAESCBC, 128}},
	{"aes192", Transform{TypeEncr, EncrAESCBC, 192}},
	{"aes256", Transform{TypeEncr, EncrAESCBC, 256}},
	{"aes128gcm16", Transform{TypeEncr, EncrAESGCM16, 128}},
	{"aes192gcm16", Transform{TypeEncr, EncrAESGCM16, 192}},
	{"aes256gcm16", Transform{TypeEncr, EncrAESGCM16, 256}},
	{"chacha20poly1305", Transform{TypeEncr, EncrChaCha20Poly1305, 0}},
	{"sha256", Transform{TypeInteg, IntegHMACSHA2_256_128, 0}},
	{"sha384", Transform{TypeInteg, IntegHMACSHA2_384_192, 0}},
	{"sha512", Transform{TypeInteg, IntegHMACSHA2_512_256, 0}},
	{"prfsha256", Transform{TypePRF, PRFHMACSHA2_256, 0}},
	{"prfsha384", Transform{TypePRF, PRFHMACSHA2_384, 0}},
	{"prfsha512", Transform{TypePRF, PRFHMACSHA2_512, 0}},
	{"modp2048", Transform{TypeKE, GroupMODP2048, 0}},
	{"modp3072", Transform{TypeKE, GroupMODP3072, 0}},
	{"ecp256", Transform{TypeKE, GroupECP256, 0}},
	{"ecp384", Transform{TypeKE, GroupECP384, 0}},
	{"x25519", Transform{TypeKE, GroupCurve25519, 0}},
	{"mlkem768", Transform{TypeKE, KEMLKEM768, 0}},
	{"mlkem1024", Transform{TypeKE, KEMLKEM1024, 0}},
	{"modpnone", Transform{TypeKE, KENone, 0}},
	{"esn", Transform{TypeESN, ESNYes, 0}},
	{"noesn", Transform{TypeESN, ESNNo, 0}},
}

// aliases are further strongSwan keywords for transforms in algs.
var aliases = map[string]Transform{
	"aes":          {TypeEncr, EncrAESCBC, 128},
	"aes128gcm128": {TypeEncr, EncrAESGCM16, 128},
	"aes192gcm128": {TypeEncr, EncrAESGCM16, 192},
	"aes256gcm128": {TypeEncr, EncrAESGCM16, 256},
	"sha2_256":     {TypeInteg, IntegHMACSHA2_256_128, 0},
	"sha2_384":     {TypeInteg, IntegHMACSHA2_384_192, 0},
	"sha2_512":     {TypeInteg, IntegHMACSHA2_512_256, 0},
	"prfsha2_256":  {TypePRF, PRFHMACSHA2_256, 0},
	"prfsha2_384":  {TypePRF, PRFHMACSHA2_384, 0},
	"prfsha2_512":  {TypePRF, PRFHMACSHA2_512, 0},
	"curve25519":   {TypeKE, GroupCurve25519, 0},
	"none":         {TypeKE, KENone, 0},
}

// weak lists keywords strongSwan accepts that Espresso refuses, with the reason
// shown to the user. Anything neither here nor in algs is "unsupported".
var weak = map[string]string{
	"3des":         "3DES has a 64-bit block (Sweet32)",
	"des":          "DES has a 56-bit key",
	"blowfish":     "Blowfish has a 64-bit block",
	"cast128":      "CAST-128 has a 64-bit block",
	"null":         "NULL encryption provides no confidentiality",
	"md5":          "MD5 is broken",
	"md5_128":      "MD5 is broken",
	"prfmd5":       "MD5 is broken",
	"sha1":         "SHA-1 is deprecated (RFC 8247 §2.2)",
	"sha":          "SHA-1 is deprecated (RFC 8247 §2.2)",
	"prfsha1":      "SHA-1 is deprecated (RFC 8247 §2.2)",
	"sha1_160":     "SHA-1 is deprecated (RFC 8247 §2.2)",
	"modp768":      "MODP-768 is too small",
	"modp1024":     "MODP-1024 is too small (RFC 8247 §2.4)",
	"modp1536":     "MODP-1536 is too small (RFC 8247 §2.4)",
	"modp1024s160": "MODP-1024 is too small (RFC 8247 §2.4)",
	"modp2048s224": "MODP groups with small subgroups are not recommended (RFC 8247 §2.4)",
	"modp2048s256": "MODP groups with small subgroups are not recommended (RFC 8247 §2.4)",
	"ecp192":       "ECP-192 is too small",
	"ecp224":       "ECP-224 is too small",
	"mlkem512":     "ML-KEM-512 is not supported (mlkem768 and mlkem1024 are)",
	"aes128gcm8":   "an 8-byte ICV is too short",
	"aes256gcm8":   "an 8-byte ICV is too short",
	"aes128gcm64":  "an 8-byte ICV is too short",
	"aes256gcm64":  "an 8-byte ICV is too short",
	"aes128gcm12":  "a 12-byte ICV is shorter than Espresso accepts",
	"aes256gcm12":  "a 12-byte ICV is shorter than Espresso accepts",
	"aes128gcm96":  "a 12-byte ICV is shorter than Espresso accepts",
	"aes256gcm96":  "a 12-byte ICV is shorter than Espresso accepts",
}

// lookupAlg finds the registry entry for t.
func lookupAlg(t Transform) (alg, bool) {
	for _, a := range algs {
		if a.t == t {
			return a, true
		}
	}
	return alg{}, false
}

// lookupKeyword maps a strongSwan keyword to its transform. "keN_" before a
// key exchange keyword names it for the additional key exchange type ADDKEN
// (RFC 9370), as strongSwan 6 writes it ("ke1_mlkem768").
func lookupKeyword(s string) (Transform, bool) {
	if len(s) > 4 && s[0] == 'k' && s[1] == 'e' && s[2] >= '1' && s[2] <= '0'+byte(MaxAddKE) && s[3] == '_' {
		t, ok := lookupKeyword(s[4:])
		if !ok || t.Type != TypeKE {
			return Transform{}, false
		}
		t.Type = TypeAddKE(int(s[2] - '0'))
		return t, true
	}
	for _, a := range algs {
		if a.name == s {
			return a.t, true
		}
	}
	t, ok := aliases[s]
	return t, ok
}

// Supported reports whether t is a transform this package implements.
func Supported(t Transform) bool {
	if t.Type.AddKEIndex() != 0 {
		t.Type = TypeKE
	}
	_, ok := lookupAlg(t)
	return ok
}
