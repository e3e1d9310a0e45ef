package sk

import (
	"fmt"
	"path"
	"slices"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// Every encrypted message of the strongSwan 6 captures, IKE_INTERMEDIATE
// and IKE_FOLLOWUP_KE fragments among them, opens with this package's
// AES-256-GCM-16 and the keys strongSwan logged for its place: the keys of
// IKE_SA_INIT protect IKE_INTERMEDIATE, and those derived after it
// (RFC 9370 §2.2.2) everything from IKE_AUTH on; no other key opens it.
func TestOpenStrongSwan6(t *testing.T) {
	gcm256 := suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 256}
	for _, capture := range kat.StrongSwan6 {
		t.Run(path.Base(capture), func(t *testing.T) {
			v := kat.Values(t, capture)
			type pair struct{ i, r *Cipher }
			var sets []pair
			for n := 0; v[fmt.Sprintf("sk_ei_%d", n)] != nil; n++ {
				sets = append(sets, pair{
					mustNew(t, gcm256, suite.Transform{}, v[fmt.Sprintf("sk_ei_%d", n)], nil),
					mustNew(t, gcm256, suite.Transform{}, v[fmt.Sprintf("sk_er_%d", n)], nil),
				})
			}
			last := len(sets) - 1
			opened := 0
			for i, m := range kat.IKEMessages(t, capture) {
				if m[18] == 34 { // IKE_SA_INIT
					continue
				}
				// The new IKE SA of the rekey carries no message in the
				// capture; every message is the first SA's.
				want := last
				if m[18] == 43 { // IKE_INTERMEDIATE
					want = 0
				}
				s := kat.FindSealed(t, m)
				var keys []int
				for k, c := range sets {
					o := c.r
					if m[19]&0x08 != 0 { // Initiator flag
						o = c.i
					}
					pt, err := o.Open(s.Head, s.Body)
					if err != nil {
						continue
					}
					keys = append(keys, k)
					if s.Total == 0 {
						kat.Payloads(t, s.First, pt) // a whole chain
					}
				}
				if !slices.Equal(keys, []int{want}) {
					t.Errorf("message %d (exchange %d): opens with key sets %v, want only %d", i, m[18], keys, want)
				}
				opened++
			}
			if opened < 10 {
				t.Errorf("%d encrypted messages opened", opened)
			}
		})
	}
}
