package wire

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// HashAlgorithm is a hash algorithm of the SIGNATURE_HASH_ALGORITHMS notify
// (RFC 7427 §4, IANA "IKEv2 Hash Algorithms").
type HashAlgorithm uint16

// Hash algorithms (RFC 7427 §4, RFC 8420).
const (
	HashSHA1     HashAlgorithm = 1
	HashSHA2_256 HashAlgorithm = 2
	HashSHA2_384 HashAlgorithm = 3
	HashSHA2_512 HashAlgorithm = 4
	HashIdentity HashAlgorithm = 5 // RFC 8420, for Ed25519 and Ed448
)

// String returns the IANA name of the hash algorithm.
func (h HashAlgorithm) String() string {
	switch h {
	case HashSHA1:
		return "SHA1"
	case HashSHA2_256:
		return "SHA2_256"
	case HashSHA2_384:
		return "SHA2_384"
	case HashSHA2_512:
		return "SHA2_512"
	case HashIdentity:
		return "IDENTITY"
	}
	return fmt.Sprintf("HASH(%d)", uint16(h))
}

// NewInvalidKEPayload returns the INVALID_KE_PAYLOAD notify that asks the
// initiator to retry with group (RFC 7296 §1.2, §3.10.1).
func NewInvalidKEPayload(group suite.TransformID) *Notify {
	return NewNotify(InvalidKEPayload, binary.BigEndian.AppendUint16(nil, uint16(group)))
}

// Group returns the accepted group of an INVALID_KE_PAYLOAD notify: its data
// is the two-octet group number (RFC 7296 §3.10.1).
func (n *Notify) Group() (suite.TransformID, error) {
	if n.NotifyType != InvalidKEPayload || len(n.Data) != 2 {
		return 0, malformed("%v with %d bytes of data is not INVALID_KE_PAYLOAD", n.NotifyType, len(n.Data))
	}
	return suite.TransformID(binary.BigEndian.Uint16(n.Data)), nil
}

// NewSignatureHashAlgorithms returns the SIGNATURE_HASH_ALGORITHMS notify
// listing algs (RFC 7427 §4).
func NewSignatureHashAlgorithms(algs ...HashAlgorithm) *Notify {
	data := make([]byte, 0, 2*len(algs))
	for _, a := range algs {
		data = binary.BigEndian.AppendUint16(data, uint16(a))
	}
	return NewNotify(SignatureHashAlgorithms, data)
}

// HashAlgorithms returns the list of a SIGNATURE_HASH_ALGORITHMS notify: two
// octets per algorithm (RFC 7427 §4).
func (n *Notify) HashAlgorithms() ([]HashAlgorithm, error) {
	if n.NotifyType != SignatureHashAlgorithms || len(n.Data)%2 != 0 {
		return nil, malformed("%v with %d bytes of data is not SIGNATURE_HASH_ALGORITHMS", n.NotifyType, len(n.Data))
	}
	algs := make([]HashAlgorithm, 0, len(n.Data)/2)
	for d := n.Data; len(d) >= 2; d = d[2:] {
		algs = append(algs, HashAlgorithm(binary.BigEndian.Uint16(d)))
	}
	return algs, nil
}

// NewAuthLifetime returns the AUTH_LIFETIME notify: the seconds until the
// sender wants the peer to reauthenticate (RFC 4478 §3).
func NewAuthLifetime(seconds uint32) *Notify {
	return NewNotify(AuthLifetime, binary.BigEndian.AppendUint32(nil, seconds))
}

// Lifetime returns the seconds of an AUTH_LIFETIME notify (RFC 4478 §3).
func (n *Notify) Lifetime() (uint32, error) {
	if n.NotifyType != AuthLifetime || len(n.Data) != 4 {
		return 0, malformed("%v with %d bytes of data is not AUTH_LIFETIME", n.NotifyType, len(n.Data))
	}
	return binary.BigEndian.Uint32(n.Data), nil
}

// NewAdditionalAddress returns the ADDITIONAL_IP4_ADDRESS or
// ADDITIONAL_IP6_ADDRESS notify for a (RFC 4555 §4.2.2).
func NewAdditionalAddress(a netip.Addr) *Notify {
	a = a.Unmap()
	if a.Is4() {
		return NewNotify(AdditionalIP4Address, a.AsSlice())
	}
	return NewNotify(AdditionalIP6Address, a.AsSlice())
}

// Addr returns the address of an ADDITIONAL_IP4_ADDRESS or
// ADDITIONAL_IP6_ADDRESS notify (RFC 4555 §4.2.2).
func (n *Notify) Addr() (netip.Addr, error) {
	switch {
	case n.NotifyType == AdditionalIP4Address && len(n.Data) == 4:
		return netip.AddrFrom4([4]byte(n.Data)), nil
	case n.NotifyType == AdditionalIP6Address && len(n.Data) == 16:
		return netip.AddrFrom16([16]byte(n.Data)), nil
	}
	return netip.Addr{}, malformed("%v with %d bytes of data is not an additional address", n.NotifyType, len(n.Data))
}

// NewRekeySA returns the REKEY_SA notify naming the SA being rekeyed by its
// protocol and the SPI the sender uses for it inbound (RFC 7296 §1.3.3).
func NewRekeySA(p ProtocolID, spi []byte) *Notify {
	return &Notify{Protocol: p, SPI: spi, NotifyType: RekeySA}
}
