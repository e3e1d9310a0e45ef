package auth

import (
	"crypto/sha1"
	"encoding/binary"
	"net/netip"
)

// NATDetectionHash returns the data of a NAT_DETECTION_SOURCE_IP or
// NAT_DETECTION_DESTINATION_IP notify: SHA-1(SPIi | SPIr | IP | Port)
// (RFC 7296 §2.23). In the IKE_SA_INIT request SPIr is zero. SHA-1 is fixed
// by the RFC and serves only to compare addresses, not for security.
func NATDetectionHash(spii, spir uint64, addr netip.AddrPort) [sha1.Size]byte {
	b := make([]byte, 0, 16+16+2)
	b = binary.BigEndian.AppendUint64(b, spii)
	b = binary.BigEndian.AppendUint64(b, spir)
	b = append(b, addr.Addr().Unmap().AsSlice()...)
	b = binary.BigEndian.AppendUint16(b, addr.Port())
	return sha1.Sum(b)
}
