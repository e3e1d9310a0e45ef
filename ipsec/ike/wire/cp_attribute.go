package wire

import (
	"fmt"
	"net/netip"
)

// ConfigAttributeType is the Attribute Type of a configuration attribute
// (RFC 7296 §3.15.1), 15 bits.
type ConfigAttributeType uint16

// maxConfigAttributeType masks off the reserved top bit (RFC 7296 §3.15.1).
const maxConfigAttributeType = 0x7fff

// Configuration attribute types (RFC 7296 §3.15.1, RFC 8598).
const (
	InternalIP4Address    ConfigAttributeType = 1  // 0 or 4 octets
	InternalIP4Netmask    ConfigAttributeType = 2  // 0 or 4 octets
	InternalIP4DNS        ConfigAttributeType = 3  // 0 or 4 octets
	InternalIP4NBNS       ConfigAttributeType = 4  // 0 or 4 octets
	InternalIP4DHCP       ConfigAttributeType = 6  // 0 or 4 octets
	ApplicationVersion    ConfigAttributeType = 7  // 0 or more octets of text
	InternalIP6Address    ConfigAttributeType = 8  // 0 or 17 octets
	InternalIP6DNS        ConfigAttributeType = 10 // 0 or 16 octets
	InternalIP6DHCP       ConfigAttributeType = 12 // 0 or 16 octets
	InternalIP4Subnet     ConfigAttributeType = 13 // 0 or 8 octets
	SupportedAttributes   ConfigAttributeType = 14 // multiple of 2 octets
	InternalIP6Subnet     ConfigAttributeType = 15 // 17 octets
	InternalDNSDomain     ConfigAttributeType = 25 // RFC 8598 §4: 0 or more octets
	InternalDNSSECTrustAn ConfigAttributeType = 26 // RFC 8598 §4
)

// String returns the RFC name of the attribute type.
func (t ConfigAttributeType) String() string {
	switch t {
	case InternalIP4Address:
		return "INTERNAL_IP4_ADDRESS"
	case InternalIP4Netmask:
		return "INTERNAL_IP4_NETMASK"
	case InternalIP4DNS:
		return "INTERNAL_IP4_DNS"
	case InternalIP4NBNS:
		return "INTERNAL_IP4_NBNS"
	case InternalIP4DHCP:
		return "INTERNAL_IP4_DHCP"
	case ApplicationVersion:
		return "APPLICATION_VERSION"
	case InternalIP6Address:
		return "INTERNAL_IP6_ADDRESS"
	case InternalIP6DNS:
		return "INTERNAL_IP6_DNS"
	case InternalIP6DHCP:
		return "INTERNAL_IP6_DHCP"
	case InternalIP4Subnet:
		return "INTERNAL_IP4_SUBNET"
	case SupportedAttributes:
		return "SUPPORTED_ATTRIBUTES"
	case InternalIP6Subnet:
		return "INTERNAL_IP6_SUBNET"
	case InternalDNSDomain:
		return "INTERNAL_DNS_DOMAIN"
	case InternalDNSSECTrustAn:
		return "INTERNAL_DNSSEC_TA"
	}
	return fmt.Sprintf("CP_ATTRIBUTE(%d)", uint16(t))
}

// ConfigAttribute is one configuration attribute (RFC 7296 §3.15.1). In a
// CFG_REQUEST an empty Value asks for any value of the type.
type ConfigAttribute struct {
	Type  ConfigAttributeType
	Value []byte
}

// AddrAttribute returns an attribute of type t holding a: 4 octets for the
// IPv4 types, 16 for the IPv6 ones. For INTERNAL_IP6_ADDRESS, use
// PrefixAttribute: it also carries a prefix length.
func AddrAttribute(t ConfigAttributeType, a netip.Addr) ConfigAttribute {
	return ConfigAttribute{Type: t, Value: a.Unmap().AsSlice()}
}

// PrefixAttribute returns an attribute of type t holding p:
// INTERNAL_IP4_SUBNET as address and netmask (8 octets), INTERNAL_IP6_ADDRESS
// and INTERNAL_IP6_SUBNET as address and prefix length (17 octets), per
// RFC 7296 §3.15.1.
func PrefixAttribute(t ConfigAttributeType, p netip.Prefix) ConfigAttribute {
	a := p.Addr().Unmap()
	v := a.AsSlice()
	if t == InternalIP4Subnet && a.Is4() {
		mask := make([]byte, 4)
		for i := range p.Bits() {
			mask[i/8] |= 0x80 >> (i % 8)
		}
		v = append(v, mask...)
	} else {
		v = append(v, byte(p.Bits()))
	}
	return ConfigAttribute{Type: t, Value: v}
}

// Addr returns the address of an attribute whose value is a bare address
// (INTERNAL_IP4_ADDRESS, _NETMASK, _DNS, _NBNS, _DHCP, INTERNAL_IP6_DNS,
// _DHCP). It reports false for an empty value, as in a request.
func (a ConfigAttribute) Addr() (netip.Addr, bool, error) {
	want := 4
	switch a.Type {
	case InternalIP4Address, InternalIP4Netmask, InternalIP4DNS, InternalIP4NBNS, InternalIP4DHCP:
	case InternalIP6DNS, InternalIP6DHCP:
		want = 16
	default:
		return netip.Addr{}, false, invalid("%v holds no bare address", a.Type)
	}
	switch len(a.Value) {
	case 0:
		return netip.Addr{}, false, nil
	case want:
		addr, _ := netip.AddrFromSlice(a.Value)
		return addr, true, nil
	}
	return netip.Addr{}, false, malformed("%v of %d bytes", a.Type, len(a.Value))
}

// Prefix returns the prefix of an INTERNAL_IP4_SUBNET, INTERNAL_IP6_ADDRESS
// or INTERNAL_IP6_SUBNET attribute. It reports false for an empty value, as
// in a request. A netmask that is not contiguous is malformed.
func (a ConfigAttribute) Prefix() (netip.Prefix, bool, error) {
	if len(a.Value) == 0 {
		return netip.Prefix{}, false, nil
	}
	switch {
	case a.Type == InternalIP4Subnet && len(a.Value) == 8:
		bits, ok := maskBits(a.Value[4:])
		if !ok {
			return netip.Prefix{}, false, malformed("%v netmask %x", a.Type, a.Value[4:])
		}
		return netip.PrefixFrom(netip.AddrFrom4([4]byte(a.Value)), bits), true, nil
	case (a.Type == InternalIP6Address || a.Type == InternalIP6Subnet) && len(a.Value) == 17:
		if a.Value[16] > 128 {
			return netip.Prefix{}, false, malformed("%v prefix length %d", a.Type, a.Value[16])
		}
		return netip.PrefixFrom(netip.AddrFrom16([16]byte(a.Value)), int(a.Value[16])), true, nil
	case a.Type == InternalIP4Subnet, a.Type == InternalIP6Address, a.Type == InternalIP6Subnet:
		return netip.Prefix{}, false, malformed("%v of %d bytes", a.Type, len(a.Value))
	}
	return netip.Prefix{}, false, invalid("%v holds no prefix", a.Type)
}

// maskBits returns the length of a contiguous netmask.
func maskBits(m []byte) (int, bool) {
	bits := 0
	for i := 0; i < len(m)*8; i++ {
		if m[i/8]&(0x80>>(i%8)) == 0 {
			break
		}
		bits++
	}
	for i := bits; i < len(m)*8; i++ {
		if m[i/8]&(0x80>>(i%8)) != 0 {
			return 0, false
		}
	}
	return bits, true
}
