package mschapv2

import (
	"encoding/binary"
	"fmt"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
)

// OpCodes of MS-CHAP-V2 packets (RFC 2759 §3-§7, carried as the first
// octet of the EAP Type-Data by draft-kamath-pppext-eap-mschapv2 §2).
const (
	opChallenge      = 1
	opResponse       = 2
	opSuccess        = 3
	opFailure        = 4
	opChangePassword = 7
)

// headerLen is OpCode, MS-CHAPv2-ID and MS-Length inside the EAP Type-Data.
// Success and Failure Responses carry the OpCode alone
// (draft-kamath-pppext-eap-mschapv2 §2.3, §2.5).
const headerLen = 4

// responseValueLen is the Value-Size of a Response: Peer-Challenge,
// 8 reserved octets, NT-Response and Flags (RFC 2759 §4).
const responseValueLen = challengeLen + 8 + ntResponseLen + 1

// message is an MS-CHAP-V2 packet in EAP Type-Data.
type message struct {
	op   uint8
	id   uint8  // MS-CHAPv2-ID
	body []byte // after MS-Length
}

// parseMessage reads Type-Data. MS-Length counts from the OpCode, that is
// the EAP length minus 5 (draft-kamath §2); strongSwan and Windows set it
// so, and a mismatch means a corrupt packet.
func parseMessage(data []byte) (message, error) {
	if len(data) < headerLen {
		return message{}, fmt.Errorf("%w: %d-byte MSCHAPv2 packet", eap.ErrMalformed, len(data))
	}
	if n := int(binary.BigEndian.Uint16(data[2:4])); n != len(data) {
		return message{}, fmt.Errorf("%w: MS-Length %d in %d bytes", eap.ErrMalformed, n, len(data))
	}
	return message{op: data[0], id: data[1], body: data[4:]}, nil
}

// appendMessage encodes a message with its MS-Length.
func appendMessage(b []byte, op, id uint8, body ...[]byte) []byte {
	n := headerLen
	for _, p := range body {
		n += len(p)
	}
	b = append(b, op, id, byte(n>>8), byte(n))
	for _, p := range body {
		b = append(b, p...)
	}
	return b
}

// parseChallenge reads a Challenge body (RFC 2759 §3): Value-Size 16, the
// AuthenticatorChallenge, then the authenticator's name.
func parseChallenge(body []byte) (c [challengeLen]byte, name string, err error) {
	if len(body) < 1+challengeLen || body[0] != challengeLen {
		return c, "", fmt.Errorf("%w: MSCHAPv2 Challenge of %d bytes", eap.ErrMalformed, len(body))
	}
	copy(c[:], body[1:])
	return c, string(body[1+challengeLen:]), nil
}

// response is a Response body (RFC 2759 §4).
type response struct {
	peer [challengeLen]byte
	nt   [ntResponseLen]byte
	name string
}

func (r *response) append(b []byte) []byte {
	b = append(b, responseValueLen)
	b = append(b, r.peer[:]...)
	b = append(b, make([]byte, 8)...)
	b = append(b, r.nt[:]...)
	b = append(b, 0) // Flags
	return append(b, r.name...)
}

func parseResponse(body []byte) (response, error) {
	var r response
	if len(body) < 1+responseValueLen || body[0] != responseValueLen {
		return r, fmt.Errorf("%w: MSCHAPv2 Response of %d bytes", eap.ErrMalformed, len(body))
	}
	copy(r.peer[:], body[1:])
	copy(r.nt[:], body[1+challengeLen+8:])
	r.name = string(body[1+responseValueLen:])
	return r, nil
}
