package wire

import (
	"encoding/hex"
	"fmt"
	"net/netip"
)

// IDType is the ID Type of an Identification payload (RFC 7296 §3.5).
type IDType uint8

// Identification types (RFC 7296 §3.5, RFC 7619 §3).
const (
	IDIPv4Addr  IDType = 1  // four-octet IPv4 address
	IDFQDN      IDType = 2  // fully qualified domain name, no terminator
	IDRFC822    IDType = 3  // RFC 822 e-mail address
	IDIPv6Addr  IDType = 5  // sixteen-octet IPv6 address
	IDDERASN1DN IDType = 9  // DER encoding of an X.500 distinguished name
	IDDERASN1GN IDType = 10 // DER encoding of an X.509 GeneralName
	IDKeyID     IDType = 11 // opaque octets
	IDNull      IDType = 13 // no identity, RFC 7619
)

// String returns the RFC name of the ID type.
func (t IDType) String() string {
	switch t {
	case IDIPv4Addr:
		return "ID_IPV4_ADDR"
	case IDFQDN:
		return "ID_FQDN"
	case IDRFC822:
		return "ID_RFC822_ADDR"
	case IDIPv6Addr:
		return "ID_IPV6_ADDR"
	case IDDERASN1DN:
		return "ID_DER_ASN1_DN"
	case IDDERASN1GN:
		return "ID_DER_ASN1_GN"
	case IDKeyID:
		return "ID_KEY_ID"
	case IDNull:
		return "ID_NULL"
	}
	return fmt.Sprintf("ID(%d)", uint8(t))
}

// Identity is the content of an Identification payload (RFC 7296 §3.5),
// shared by IDi and IDr. Its encoded body (AppendBody) is the "IDx'" that the
// AUTH computation signs (§2.15).
type Identity struct {
	IDType IDType
	Data   []byte
}

// IDi is the Identification - Initiator payload (RFC 7296 §3.5).
type IDi struct{ Identity }

// IDr is the Identification - Responder payload (RFC 7296 §3.5).
type IDr struct{ Identity }

// Type returns PayloadIDi.
func (*IDi) Type() PayloadType { return PayloadIDi }

// Type returns PayloadIDr.
func (*IDr) Type() PayloadType { return PayloadIDr }

// FQDNIdentity returns an ID_FQDN identity.
func FQDNIdentity(name string) Identity { return Identity{IDFQDN, []byte(name)} }

// RFC822Identity returns an ID_RFC822_ADDR identity.
func RFC822Identity(addr string) Identity { return Identity{IDRFC822, []byte(addr)} }

// AddrIdentity returns an ID_IPV4_ADDR or ID_IPV6_ADDR identity; an
// IPv4-mapped IPv6 address counts as IPv4.
func AddrIdentity(a netip.Addr) Identity {
	a = a.Unmap()
	if a.Is4() {
		return Identity{IDIPv4Addr, a.AsSlice()}
	}
	return Identity{IDIPv6Addr, a.AsSlice()}
}

// DNIdentity returns an ID_DER_ASN1_DN identity from the DER encoding of a
// distinguished name, as in an X.509 certificate's RawSubject.
func DNIdentity(der []byte) Identity { return Identity{IDDERASN1DN, der} }

// KeyIDIdentity returns an ID_KEY_ID identity.
func KeyIDIdentity(id []byte) Identity { return Identity{IDKeyID, id} }

// AppendBody appends the ID type, the reserved octets and the data.
func (id Identity) AppendBody(b []byte) ([]byte, error) {
	b = append(b, byte(id.IDType), 0, 0, 0)
	return append(b, id.Data...), nil
}

// Addr returns the address of an ID_IPV4_ADDR or ID_IPV6_ADDR identity.
func (id Identity) Addr() (netip.Addr, bool) {
	switch {
	case id.IDType == IDIPv4Addr && len(id.Data) == 4:
		return netip.AddrFrom4([4]byte(id.Data)), true
	case id.IDType == IDIPv6Addr && len(id.Data) == 16:
		return netip.AddrFrom16([16]byte(id.Data)), true
	}
	return netip.Addr{}, false
}

// String renders the identity for logs and messages: text identities as
// text, addresses in their usual notation, the rest in hex with the type.
func (id Identity) String() string {
	switch id.IDType {
	case IDFQDN, IDRFC822:
		return fmt.Sprintf("%q", id.Data)
	case IDIPv4Addr, IDIPv6Addr:
		if a, ok := id.Addr(); ok {
			return a.String()
		}
	case IDNull:
		return "%any"
	}
	return id.IDType.String() + ":" + hex.EncodeToString(id.Data)
}

// Equal reports whether two identities have the same type and data.
func (id Identity) Equal(o Identity) bool {
	return id.IDType == o.IDType && string(id.Data) == string(o.Data)
}

// parseIdentity checks the fixed sizes RFC 7296 §3.5 gives address types; the
// other types are opaque here.
func parseIdentity(b []byte) (Identity, error) {
	if len(b) < 4 {
		return Identity{}, truncated("ID payload", 4, len(b))
	}
	id := Identity{IDType: IDType(b[0]), Data: b[4:]}
	switch {
	case id.IDType == IDIPv4Addr && len(id.Data) != 4,
		id.IDType == IDIPv6Addr && len(id.Data) != 16:
		return Identity{}, malformed("%v of %d bytes", id.IDType, len(id.Data))
	}
	return id, nil
}
