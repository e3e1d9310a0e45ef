package auth

import (
	"bytes"
	"encoding/binary"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/ike/keymat"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// The pre-shared key of the strongSwan 6 captures' test network
// (interop's psk).
const sw6PSK = "interop-psk-0123456789abcdef"

// The AUTH octets and PSK AUTH values of the strongSwan 6 captures. After
// IKE_INTERMEDIATE the octets end with IntAuth (RFC 9242 §3.3.3):
//
//	octets = message | nonce | prf(SK_px, IDx') | IntAuth_i | IntAuth_r | IKE_AUTH Message ID
//
// with SK_p from the keys after the last IKE_INTERMEDIATE; without it they
// are RFC 7296 §2.15's.
func TestStrongSwan6SharedKey(t *testing.T) {
	prf, err := keymat.NewPRF(suite.PRFHMACSHA2_384)
	if err != nil {
		t.Fatal(err)
	}
	for _, capture := range kat.StrongSwan6 {
		t.Run(path.Base(capture), func(t *testing.T) {
			v := kat.Values(t, capture)
			msgs := kat.IKEMessages(t, capture)
			skpi, skpr, intAuth := v["sk_pi_0"], v["sk_pr_0"], []byte(nil)
			if v["intauth_i"] != nil {
				skpi, skpr = v["sk_pi_1"], v["sk_pr_1"]
				// The IKE_AUTH request follows IKE_INTERMEDIATE's 1.
				intAuth = binary.BigEndian.AppendUint32(slices.Concat(v["intauth_i"], v["intauth_r"]), 2)
			}
			octI := slices.Concat(SignedOctets(prf, skpi, msgs[0], v["nr"], wire.RFC822Identity("client@example.test")), intAuth)
			octR := slices.Concat(SignedOctets(prf, skpr, msgs[1], v["ni"], wire.FQDNIdentity("gw.example.test")), intAuth)
			if !bytes.Equal(octI, v["octets_i"]) {
				t.Error("initiator octets mismatch")
			}
			if !bytes.Equal(octR, v["octets_r"]) {
				t.Error("responder octets mismatch")
			}
			if !bytes.Equal(SharedKeyMAC(prf, []byte(sw6PSK), octI), v["auth_i"]) {
				t.Error("initiator AUTH mismatch")
			}
			if err := VerifySharedKeyMAC(prf, []byte(sw6PSK), octR, v["auth_r"]); err != nil {
				t.Errorf("responder AUTH: %v", err)
			}
			if strings.HasSuffix(capture, "/mlkem768") != (intAuth == nil) {
				t.Error("IntAuth where no IKE_INTERMEDIATE ran, or none after one")
			}
		})
	}
}
