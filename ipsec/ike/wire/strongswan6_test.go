package wire

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"slices"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// The strongSwan 6.0.6 post-quantum captures of ike/internal/kat (see
// kat.StrongSwan6): a client and a gateway negotiating
// aes256gcm16-prfsha384 with x25519 and ML-KEM-768, ecp384 and
// ML-KEM-1024, or ML-KEM-768 alone, with IKE_INTERMEDIATE and
// IKE_FOLLOWUP_KE exchanges, the client's charon logging every key.

// Values this package knows by no name yet: the transform type of the first
// additional key exchange (RFC 9370 §3), the ML-KEM key exchange methods
// (draft-ietf-ipsecme-ikev2-mlkem, as strongSwan 6 numbers them), and the
// ADDITIONAL_KEY_EXCHANGE notify (RFC 9370 §3).
const (
	sw6TypeAddKE1         suite.TransformType = 6
	sw6MLKEM768           suite.TransformID   = 36
	sw6MLKEM1024          suite.TransformID   = 37
	sw6AdditionalKENotify NotifyType          = 16441
)

// sw6Captured is one IKE message of a strongSwan 6 capture, parsed, and
// decrypted (joined from its fragments on the last) with the keys the log
// derived for its place.
type sw6Captured struct {
	captured
	keys int // index of the key set that opened it, -1 for cleartext
}

// sw6Keys returns the SK_ei and SK_er of each IKE key derivation of a
// strongSwan 6 capture, in order: after IKE_SA_INIT, after any
// IKE_INTERMEDIATE, of the rekeyed IKE SA.
func sw6Keys(tb testing.TB, v map[string][]byte) []saKeys {
	var keys []saKeys
	for n := 0; v[fmt.Sprintf("sk_ei_%d", n)] != nil; n++ {
		keys = append(keys, saKeys{v[fmt.Sprintf("sk_ei_%d", n)], v[fmt.Sprintf("sk_er_%d", n)]})
	}
	return append(keys, saKeys{v["rekey_ike_sk_ei"], v["rekey_ike_sk_er"]})
}

// readSW6 parses every IKE message of a strongSwan 6 capture with this
// package and opens the encrypted ones with the first logged keys that
// authenticate them.
func readSW6(tb testing.TB, name string) []*sw6Captured {
	tb.Helper()
	keys := sw6Keys(tb, kat.Values(tb, name))
	var out []*sw6Captured
	var frags [][]byte
	fragFirst := PayloadNone
	for i, raw := range kat.IKEMessages(tb, name) {
		c := &sw6Captured{captured: captured{file: name, index: i, raw: raw}, keys: -1}
		out = append(out, c)
		var err error
		if c.msg, err = ParseMessage(raw); err != nil {
			tb.Fatalf("%s #%d (%v): %v", name, i, c.msg, err)
		}
		last := c.msg.Payloads[len(c.msg.Payloads)-1]
		if last.Type() != PayloadSK && last.Type() != PayloadSKF {
			continue
		}
		var plain []byte
		for k, ks := range keys {
			key := ks.er
			if c.msg.Header.IsInitiator() {
				key = ks.ei
			}
			if p, err := openGCM(raw, key); err == nil {
				plain, c.keys = p, k
				break
			}
		}
		if c.keys < 0 {
			tb.Fatalf("%s #%d (%v): no logged key opens it", name, i, c.msg.Header.ExchangeType)
		}
		first := PayloadNone
		switch p := last.(type) {
		case *Encrypted:
			first = p.FirstPayload
		case *EncryptedFragment:
			if p.Number == 1 {
				frags, fragFirst = nil, p.FirstPayload
			}
			frags = append(frags, plain)
			if p.Number != p.Total {
				continue
			}
			plain, first = bytes.Join(frags, nil), fragFirst
		}
		if c.inner, err = ParsePayloads(first, plain); err != nil {
			tb.Fatalf("%s #%d (%v): inner payloads: %v", name, i, c.msg.Header.ExchangeType, err)
		}
		c.plain, c.decrypted = plain, true
	}
	return out
}

// sw6Case is what each strongSwan 6 capture negotiated.
type sw6Case struct {
	name string
	// ke is the IKE_SA_INIT method, addKE the additional one (0 for none).
	ke, addKE suite.TransformID
	// keLen and addKELen are the sizes of the initiator's and responder's
	// KE data for each.
	keLen, addKELen [2]int
}

var sw6Cases = []sw6Case{
	{"x25519-mlkem768", suite.GroupCurve25519, sw6MLKEM768, [2]int{32, 32}, [2]int{1184, 1088}},
	{"ecp384-mlkem1024", suite.GroupECP384, sw6MLKEM1024, [2]int{96, 96}, [2]int{1568, 1568}},
	{"mlkem768", sw6MLKEM768, 0, [2]int{1184, 1088}, [2]int{}},
}

func (c sw6Case) capture() string { return "strongswan-6.0.6/" + c.name }

// Every message of the strongSwan 6 captures parses, every encrypted one
// opens, and the exchanges and their key exchange payloads are those of
// RFC 9370: the first method in IKE_SA_INIT, the additional one in
// IKE_INTERMEDIATE under the IKE_SA_INIT keys, and in each rekey the first
// method in CREATE_CHILD_SA and the additional one in IKE_FOLLOWUP_KE,
// which echoes the response's ADDITIONAL_KEY_EXCHANGE data.
func TestStrongSwan6Captures(t *testing.T) {
	for _, tc := range sw6Cases {
		t.Run(tc.name, func(t *testing.T) {
			cs := readSW6(t, tc.capture())
			// The IKE_SA_INIT proposals and KE payloads.
			for i, c := range cs[:2] {
				sa := c.msg.Payloads.Find(PayloadSA).(*SecurityAssociation)
				var got []suite.TransformID
				for _, tr := range sa.Proposals[0].Transforms {
					if tr.Type == suite.TypeKE || tr.Type == sw6TypeAddKE1 {
						got = append(got, tr.ID)
					}
				}
				want := []suite.TransformID{tc.ke}
				if tc.addKE != 0 {
					want = append(want, tc.addKE)
				}
				if !slices.Equal(got, want) {
					t.Errorf("IKE_SA_INIT #%d: key exchange transforms %v, want %v", i, got, want)
				}
				ke := c.msg.Payloads.Find(PayloadKE).(*KeyExchange)
				if ke.Group != tc.ke || len(ke.Data) != tc.keLen[i] {
					t.Errorf("IKE_SA_INIT #%d: KE of method %d with %d bytes, want %d with %d", i, ke.Group, len(ke.Data), tc.ke, tc.keLen[i])
				}
				if (c.msg.Payloads.Notify(IntermediateExchangeSupported) != nil) != (tc.addKE != 0) {
					t.Errorf("IKE_SA_INIT #%d: INTERMEDIATE_EXCHANGE_SUPPORTED only with an additional exchange", i)
				}
			}
			var sequence []string
			var addKEData []byte
			for _, c := range cs[2:] {
				if !c.decrypted {
					continue // a fragment before the last
				}
				h := c.msg.Header
				sequence = append(sequence, fmt.Sprintf("%v/%d", h.ExchangeType, c.keys))
				resp := 0
				if h.IsResponse() {
					resp = 1
				}
				switch h.ExchangeType {
				case IKEIntermediate, IKEFollowupKE:
					ke, ok := c.inner.Find(PayloadKE).(*KeyExchange)
					if !ok || ke.Group != tc.addKE || len(ke.Data) != tc.addKELen[resp] {
						t.Errorf("%v #%d: KE %v, want method %d with %d bytes", h.ExchangeType, c.index, ke, tc.addKE, tc.addKELen[resp])
					}
					if h.ExchangeType == IKEFollowupKE && !h.IsResponse() {
						n := c.inner.Notify(sw6AdditionalKENotify)
						if n == nil || !bytes.Equal(n.Data, addKEData) {
							t.Errorf("IKE_FOLLOWUP_KE #%d: ADDITIONAL_KEY_EXCHANGE %v, want the data %x of the response before", c.index, n, addKEData)
						}
					}
				case CreateChildSA:
					if ke, ok := c.inner.Find(PayloadKE).(*KeyExchange); !ok || ke.Group != tc.ke || len(ke.Data) != tc.keLen[resp] {
						t.Errorf("CREATE_CHILD_SA #%d: KE %v, want method %d", c.index, ke, tc.ke)
					}
					if n := c.inner.Notify(sw6AdditionalKENotify); h.IsResponse() {
						if (n != nil) != (tc.addKE != 0) {
							t.Errorf("CREATE_CHILD_SA response #%d: ADDITIONAL_KEY_EXCHANGE %v", c.index, n)
						}
						if n != nil {
							addKEData = n.Data
						}
					}
				}
			}
			last := 0
			want := []string{}
			if tc.addKE != 0 {
				last = 1
				want = append(want, "IKE_INTERMEDIATE/0", "IKE_INTERMEDIATE/0")
			}
			for _, e := range []string{"IKE_AUTH", "IKE_AUTH", "CREATE_CHILD_SA", "CREATE_CHILD_SA", "IKE_FOLLOWUP_KE", "IKE_FOLLOWUP_KE",
				"INFORMATIONAL", "INFORMATIONAL", "CREATE_CHILD_SA", "CREATE_CHILD_SA", "IKE_FOLLOWUP_KE", "IKE_FOLLOWUP_KE"} {
				if tc.addKE == 0 && e == "IKE_FOLLOWUP_KE" {
					continue
				}
				want = append(want, fmt.Sprintf("%s/%d", e, last))
			}
			if len(sequence) < len(want) || !slices.Equal(sequence[:len(want)], want) {
				t.Errorf("exchanges/keys\n got %v\nwant %v…", sequence, want)
			}
		})
	}
}

// The octets each side's IntAuth covers (RFC 9242 §3.3.2), made from the
// captured IKE_INTERMEDIATE messages, equal the ones strongSwan logged:
// the IKE header and the cleartext payloads up to the Encrypted payload's
// header (A), then the inner payloads (P), the lengths in the IKE and
// payload headers counting only A and P, and a fragmented message taken
// as the SK message it was before fragmentation.
func TestStrongSwan6IntAuthOctets(t *testing.T) {
	for _, tc := range sw6Cases {
		if tc.addKE == 0 {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			v := kat.Values(t, tc.capture())
			var got [][]byte
			for _, c := range readSW6(t, tc.capture()) {
				if c.msg.Header.ExchangeType != IKEIntermediate || !c.decrypted {
					continue
				}
				inner, err := AppendPayloads(nil, c.inner)
				if err != nil {
					t.Fatal(err)
				}
				first := c.inner[0].Type()
				b := slices.Clone(c.raw[:28])
				b[16] = byte(PayloadSK)
				binary.BigEndian.PutUint32(b[24:], uint32(28+4+len(inner)))
				b = append(b, byte(first), 0)
				b = binary.BigEndian.AppendUint16(b, uint16(4+len(inner)))
				got = append(got, append(b, inner...))
			}
			if len(got) != 2 {
				t.Fatalf("%d IKE_INTERMEDIATE messages, want 2", len(got))
			}
			if !bytes.Equal(got[0], v["intauth_data_i"]) {
				t.Errorf("request IntAuth octets differ\n got %x\nwant %x", got[0], v["intauth_data_i"])
			}
			if !bytes.Equal(got[1], v["intauth_data_r"]) {
				t.Errorf("response IntAuth octets differ\n got %x\nwant %x", got[1], v["intauth_data_r"])
			}
		})
	}
}

// Every message re-encodes to the captured bytes, and every decrypted
// chain to its plaintext, with the payloads this package does not know by
// name (the ADDKE transforms, the ML-KEM KE payloads) kept as they came.
func TestStrongSwan6Reencode(t *testing.T) {
	for _, tc := range sw6Cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, c := range readSW6(t, tc.capture()) {
				got, err := c.msg.AppendTo(nil)
				if err != nil || !bytes.Equal(got, c.raw) {
					t.Errorf("#%d %v: re-encoded message differs (%v)", c.index, c.msg.Header.ExchangeType, err)
				}
				if !c.decrypted {
					continue
				}
				if got, err = AppendPayloads(nil, c.inner); err != nil || !bytes.Equal(got, c.plain) {
					t.Errorf("#%d %v: re-encoded inner payloads differ (%v)", c.index, c.msg.Header.ExchangeType, err)
				}
			}
		})
	}
}
