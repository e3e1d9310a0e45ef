package kat

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"os"
	"path"
	"slices"
	"strings"
	"testing"
)

// Exchange types (RFC 7296 §3.1, RFC 9242 §3, RFC 9370 §2.2) and the flags
// of the IKE header, in the RFCs' notation.
const (
	ikeSAInit       = 34
	ikeAuth         = 35
	createChildSA   = 36
	informational   = 37
	ikeIntermediate = 43
	ikeFollowupKE   = 44
	flagInitiator   = 0x08
)

// The values file of each strongSwan 6 capture (NAME.txt) is made from its
// capture and log by strongswan6Values; this test checks that it still
// is, and writes it afresh with ESPRESSO_KAT_WRITE=1.
func TestStrongSwan6Values(t *testing.T) {
	for _, capture := range StrongSwan6 {
		t.Run(path.Base(capture), func(t *testing.T) {
			names, v := strongswan6Values(t, capture)
			var b strings.Builder
			fmt.Fprintf(&b, "# Values of the strongSwan 6.0.6 exchange %s.pcap, with the client's\n", path.Base(capture))
			fmt.Fprintf(&b, "# charon log %s-client-charon.log, as hex: \"name hex\" a line.\n", path.Base(capture))
			b.WriteString("# Made from them by TestStrongSwan6Values (ESPRESSO_KAT_WRITE=1); the\n")
			b.WriteString("# names are explained in strongswan6_test.go.\n")
			for _, n := range names {
				fmt.Fprintf(&b, "%s %x\n", n, v[n])
			}
			file := "testdata/" + capture + ".txt"
			if os.Getenv("ESPRESSO_KAT_WRITE") == "1" {
				if err := os.WriteFile(file, []byte(b.String()), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			got := Values(t, capture)
			for _, n := range names {
				if !bytes.Equal(got[n], v[n]) {
					t.Errorf("%s: %s differs from the capture and log (ESPRESSO_KAT_WRITE=1 writes it afresh)", file, n)
				}
			}
			if len(got) != len(names) {
				t.Errorf("%s: %d values, want %d", file, len(got), len(names))
			}
		})
	}
}

// strongswan6Values reads the values of a strongSwan 6 capture from its
// pcap and log. They are, in order (N counts the IKE key derivations: 0
// after IKE_SA_INIT, 1 after the IKE_INTERMEDIATE of a hybrid):
//
//   - spii, spir, ni, nr: IKE_SA_INIT's SPIs and nonces.
//   - ke_N: the shared secret of derivation N (x25519 or ecp384 for 0 in a
//     hybrid, ML-KEM for 1; ML-KEM alone for 0 otherwise).
//   - skeyseed_N, sk_d_N, sk_ei_N, sk_er_N, sk_pi_N, sk_pr_N: its keys
//     (RFC 7296 §2.14, RFC 9370 §2.2.2).
//   - intauth_data_i, intauth_i, intauth_data_r, intauth_r (hybrids): the
//     IntAuth_A|IntAuth_P octets of the IKE_INTERMEDIATE request and
//     response and the IntAuth_i1 and IntAuth_r1 over them (RFC 9242
//     §3.3.2).
//   - octets_i, octets_r, auth_i, auth_r: the AUTH octets and the PSK AUTH
//     values of IKE_AUTH.
//   - child_ei, child_er: the keys of IKE_AUTH's Child SA.
//   - rekey_child_ni, rekey_child_nr: the nonces of the Child SA rekey
//     (CREATE_CHILD_SA, from the decrypted messages).
//   - rekey_child_ke, rekey_child_addke: its shared secrets (the second
//     absent without an additional key exchange), rekey_child_seed the
//     logged prf+ seed, rekey_child_ei and rekey_child_er the keys.
//   - rekey_ike_spii, rekey_ike_spir, rekey_ike_ni, rekey_ike_nr: the new
//     IKE SA's SPIs and the nonces of the IKE rekey (decrypted messages).
//   - rekey_ike_ke, rekey_ike_addke, rekey_ike_skeyseed, rekey_ike_sk_d,
//     ...: its shared secrets and keys.
func strongswan6Values(tb testing.TB, capture string) ([]string, map[string][]byte) {
	tb.Helper()
	dumps, err := Dumps(capture)
	if err != nil {
		tb.Fatal(err)
	}
	msgs := IKEMessages(tb, capture)
	var names []string
	v := map[string][]byte{}
	set := func(name string, b []byte) {
		if _, dup := v[name]; dup {
			tb.Fatalf("%s set twice", name)
		}
		names = append(names, name)
		v[name] = b
	}
	init := Payloads(tb, msgs[0][16], msgs[0][28:])
	resp := Payloads(tb, msgs[1][16], msgs[1][28:])
	set("spii", msgs[1][0:8])
	set("spir", msgs[1][8:16])
	set("ni", Find(tb, init, Nonce))
	set("nr", Find(tb, resp, Nonce))

	// The IKE key derivations, each a run of dumps from "key exchange
	// secret" to "Sk_pr secret" in the IKE group; the last is the rekey's.
	var derivations [][]Dump
	for i, d := range dumps {
		if d.Group == "IKE" && d.Label == "key exchange secret" {
			derivations = append(derivations, dumps[i:])
		}
	}
	if len(derivations) < 2 {
		tb.Fatalf("%d IKE key derivations in the log", len(derivations))
	}
	ikeKeys := func(prefix string, ds []Dump) {
		for _, l := range []struct{ label, name string }{
			{"SKEYSEED", "skeyseed"}, {"Sk_d secret", "sk_d"}, {"Sk_ei secret", "sk_ei"},
			{"Sk_er secret", "sk_er"}, {"Sk_pi secret", "sk_pi"}, {"Sk_pr secret", "sk_pr"},
		} {
			set(strings.ReplaceAll(prefix, "%", l.name), first(tb, ds, "IKE", l.label))
		}
	}
	var sets []gcmKeys
	for n, ds := range derivations[:len(derivations)-1] {
		set(fmt.Sprintf("ke_%d", n), ds[0].Data)
		if add := first(tb, ds, "IKE", "additional key exchange secret"); len(add) != 0 {
			tb.Fatalf("derivation %d has an additional secret", n)
		}
		ikeKeys("%_"+fmt.Sprint(n), ds)
		sets = append(sets, gcmKeys{v[fmt.Sprintf("sk_ei_%d", n)], v[fmt.Sprintf("sk_er_%d", n)]})
	}
	if len(derivations) == 3 {
		data, auth := all(dumps, "IKE", "IntAuth_A|P"), all(dumps, "IKE", "IntAuth_N = prf(Sk_px, data)")
		if len(data) != 2 || len(auth) != 2 {
			tb.Fatalf("%d IntAuth data and %d IntAuth values", len(data), len(auth))
		}
		set("intauth_data_i", data[0])
		set("intauth_i", auth[0])
		set("intauth_data_r", data[1])
		set("intauth_r", auth[1])
	}
	octets, auths := all(dumps, "IKE", "octets = message + nonce + prf(Sk_px, IDx') + IntAuth"), all(dumps, "IKE", "AUTH = prf(prf(secret, keypad), octets)")
	if len(octets) != 2 || len(auths) != 2 {
		tb.Fatalf("%d AUTH octets and %d AUTH values", len(octets), len(auths))
	}
	set("octets_i", octets[0])
	set("octets_r", octets[1])
	set("auth_i", auths[0])
	set("auth_r", auths[1])

	ei, er := all(dumps, "CHD", "encryption initiator key"), all(dumps, "CHD", "encryption responder key")
	seeds := all(dumps, "CHD", "seed")
	if len(ei) != 2 || len(er) != 2 || len(seeds) != 2 {
		tb.Fatalf("%d and %d Child SA keys, %d seeds, want 2 each", len(ei), len(er), len(seeds))
	}
	set("child_ei", ei[0])
	set("child_er", er[0])

	rekey := derivations[len(derivations)-1]
	sets = append(sets, gcmKeys{first(tb, rekey, "IKE", "Sk_ei secret"), first(tb, rekey, "IKE", "Sk_er secret")})
	exchanges := decryptAll(tb, msgs, sets)
	var childRekey, ikeRekey []decrypted
	for _, e := range exchanges {
		if e.exchange != createChildSA {
			continue
		}
		if slices.ContainsFunc(e.payloads, func(p Payload) bool { return p.Type == TSi }) {
			childRekey = append(childRekey, e)
		} else {
			ikeRekey = append(ikeRekey, e)
		}
	}
	if len(childRekey) != 2 || len(ikeRekey) != 2 {
		tb.Fatalf("%d Child rekey and %d IKE rekey messages, want a request and a response each", len(childRekey), len(ikeRekey))
	}
	set("rekey_child_ni", Find(tb, childRekey[0].payloads, Nonce))
	set("rekey_child_nr", Find(tb, childRekey[1].payloads, Nonce))
	chd := all(dumps, "CHD", "key exchange secret")
	addChd := all(dumps, "CHD", "additional key exchange secret")
	if len(chd) != 1 || len(addChd) != 1 {
		tb.Fatalf("%d Child SA key exchange secrets, want 1", len(chd))
	}
	set("rekey_child_ke", chd[0])
	if len(addChd[0]) != 0 {
		set("rekey_child_addke", addChd[0])
	}
	set("rekey_child_seed", seeds[1])
	set("rekey_child_ei", ei[1])
	set("rekey_child_er", er[1])

	set("rekey_ike_spii", saSPI(tb, Find(tb, ikeRekey[0].payloads, SA)))
	set("rekey_ike_spir", saSPI(tb, Find(tb, ikeRekey[1].payloads, SA)))
	set("rekey_ike_ni", Find(tb, ikeRekey[0].payloads, Nonce))
	set("rekey_ike_nr", Find(tb, ikeRekey[1].payloads, Nonce))
	set("rekey_ike_ke", rekey[0].Data)
	if add := first(tb, rekey, "IKE", "additional key exchange secret"); len(add) != 0 {
		set("rekey_ike_addke", add)
	}
	ikeKeys("rekey_ike_%", rekey)
	return names, v
}

// first returns the first dump of ds in group with label.
func first(tb testing.TB, ds []Dump, group, label string) []byte {
	tb.Helper()
	for _, d := range ds {
		if d.Group == group && d.Label == label {
			return d.Data
		}
	}
	tb.Fatalf("no %s dump %q", group, label)
	return nil
}

// all returns every dump of ds in group with label.
func all(ds []Dump, group, label string) [][]byte {
	var out [][]byte
	for _, d := range ds {
		if d.Group == group && d.Label == label {
			out = append(out, d.Data)
		}
	}
	return out
}

// saSPI is the SPI of the first proposal of an SA payload body (RFC 7296
// §3.3.1).
func saSPI(tb testing.TB, sa []byte) []byte {
	tb.Helper()
	if len(sa) < 8 || len(sa) < 8+int(sa[6]) {
		tb.Fatalf("SA payload of %d bytes", len(sa))
	}
	return sa[8 : 8+int(sa[6])]
}

// gcmKeys are the SK_ei and SK_er of one key derivation, for AES-GCM-16
// with the 4-byte salt last (RFC 5282 §7.1).
type gcmKeys struct{ ei, er []byte }

// decrypted is the inner payload chain of an encrypted message, joined
// from its fragments (RFC 7383 §2.6), with the keys that opened it.
type decrypted struct {
	index    int // of the (last) message
	exchange byte
	response bool
	keys     int // index into the key sets
	payloads []Payload
}

// decryptAll opens every SK and SKF payload of msgs with the first of the
// key sets that authenticates it, and fails tb if none does.
func decryptAll(tb testing.TB, msgs [][]byte, sets []gcmKeys) []decrypted {
	tb.Helper()
	var out []decrypted
	var frags []byte
	var fragFirst byte
	for i, m := range msgs {
		if m[18] == ikeSAInit {
			continue
		}
		s := FindSealed(tb, m)
		plain, k := []byte(nil), -1
		for j, ks := range sets {
			key := ks.er
			if m[19]&flagInitiator != 0 {
				key = ks.ei
			}
			if p, ok := openGCM(s, key); ok {
				plain, k = p, j
				break
			}
		}
		if k < 0 {
			tb.Fatalf("message %d (exchange %d, ID %d): no logged key opens it", i, m[18], binary.BigEndian.Uint32(m[20:]))
		}
		first := s.First
		if s.Total != 0 {
			if s.Frag == 1 {
				frags, fragFirst = nil, s.First
			}
			frags = append(frags, plain...)
			if s.Frag != s.Total {
				continue
			}
			plain, first = frags, fragFirst
		}
		out = append(out, decrypted{
			index: i, exchange: m[18], response: m[19]&0x20 != 0, keys: k,
			payloads: Payloads(tb, first, plain),
		})
	}
	return out
}

// openGCM opens a sealed payload with AES-GCM-16 (RFC 5282 §3, §5) and
// removes the padding; ok is false when the key does not authenticate it.
func openGCM(s Sealed, key []byte) ([]byte, bool) {
	block, err := aes.NewCipher(key[:len(key)-4])
	if err != nil {
		return nil, false
	}
	aead, err := cipher.NewGCM(block)
	if err != nil || len(s.Body) < 8+16 {
		return nil, false
	}
	nonce := append(slices.Clone(key[len(key)-4:]), s.Body[:8]...)
	plain, err := aead.Open(nil, nonce, s.Body[8:], s.Head)
	if err != nil || len(plain) == 0 || int(plain[len(plain)-1])+1 > len(plain) {
		return nil, false
	}
	return plain[:len(plain)-1-int(plain[len(plain)-1])], true
}

// Each strongSwan 6 capture holds the exchanges its description in
// StrongSwan6 lists, in order, and each encrypted message opens with the
// keys the log derived for its place: those of IKE_SA_INIT for
// IKE_INTERMEDIATE, those after IKE_INTERMEDIATE for everything after it.
func TestStrongSwan6Exchanges(t *testing.T) {
	for _, capture := range StrongSwan6 {
		t.Run(path.Base(capture), func(t *testing.T) {
			hybrid := !strings.HasSuffix(capture, "/mlkem768")
			_, v := strongswan6Values(t, capture)
			msgs := IKEMessages(t, capture)
			var sets []gcmKeys
			for n := 0; v[fmt.Sprintf("sk_ei_%d", n)] != nil; n++ {
				sets = append(sets, gcmKeys{v[fmt.Sprintf("sk_ei_%d", n)], v[fmt.Sprintf("sk_er_%d", n)]})
			}
			if len(sets) != map[bool]int{true: 2, false: 1}[hybrid] {
				t.Fatalf("%d IKE key derivations before the rekey", len(sets))
			}
			var got []string
			for _, d := range decryptAll(t, msgs, sets) {
				dir := "request"
				if d.response {
					dir = "response"
				}
				got = append(got, fmt.Sprintf("%d/%s/%d", d.exchange, dir, d.keys))
			}
			last := len(sets) - 1
			want := []string{}
			if hybrid {
				want = append(want, "43/request/0", "43/response/0")
			}
			want = append(want, fmt.Sprintf("35/request/%d", last), fmt.Sprintf("35/response/%d", last),
				fmt.Sprintf("36/request/%d", last), fmt.Sprintf("36/response/%d", last))
			if hybrid {
				want = append(want, fmt.Sprintf("44/request/%d", last), fmt.Sprintf("44/response/%d", last))
			}
			want = append(want, fmt.Sprintf("37/request/%d", last), fmt.Sprintf("37/response/%d", last),
				fmt.Sprintf("36/request/%d", last), fmt.Sprintf("36/response/%d", last))
			if hybrid {
				want = append(want, fmt.Sprintf("44/request/%d", last), fmt.Sprintf("44/response/%d", last))
			}
			if len(got) < len(want) || !slices.Equal(got[:len(want)], want) {
				t.Fatalf("exchanges (type/direction/keys)\n got %v\nwant %v…", got, want)
			}
			// The first dump of nonces is Ni | Nr of IKE_SA_INIT.
			dumps, err := Dumps(capture)
			if err != nil {
				t.Fatal(err)
			}
			if n := first(t, dumps, "IKE", "nonces"); !bytes.Equal(n, append(slices.Clone(v["ni"]), v["nr"]...)) {
				t.Errorf("logged nonces %s are not those of IKE_SA_INIT", hex.EncodeToString(n))
			}
		})
	}
}
