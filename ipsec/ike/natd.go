package ike

import (
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/binary"
	"io"
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// natHash is SHA-1(SPIi | SPIr | IP | Port), the data of the NAT detection
// notifies (RFC 7296 §2.23). In the IKE_SA_INIT request SPIr is zero.
func natHash(spii, spir uint64, a netip.AddrPort) []byte {
	h := sha1.New()
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], spii)
	binary.BigEndian.PutUint64(b[8:], spir)
	h.Write(b[:])
	h.Write(a.Addr().Unmap().AsSlice())
	binary.BigEndian.PutUint16(b[:2], a.Port())
	h.Write(b[:2])
	return h.Sum(nil)
}

// natNotifies returns NAT_DETECTION_SOURCE_IP and _DESTINATION_IP for the
// endpoints. fake sends a source hash that cannot match, so that the peer
// sees a NAT and encapsulates ESP in UDP (RFC 7296 §2.23 lets an endpoint
// claim a NAT; strongSwan forces encapsulation the same way).
func natNotifies(spii, spir uint64, local, remote netip.AddrPort, fake bool, r io.Reader) []wire.Payload {
	src := natHash(spii, spir, local)
	if fake {
		if r == nil {
			r = rand.Reader
		}
		io.ReadFull(r, src)
	}
	return []wire.Payload{
		wire.NewNotify(wire.NATDetectionSourceIP, src),
		wire.NewNotify(wire.NATDetectionDestinationIP, natHash(spii, spir, remote)),
	}
}

// natCheck evaluates the peer's NAT detection notifies: localNAT when the
// peer's view of our address (its destination hash) does not match ours,
// remoteNAT when none of its source hashes matches where its packet came
// from. ok is false when the peer sent no such notifies.
func natCheck(ps wire.Payloads, spii, spir uint64, local, remote netip.AddrPort) (localNAT, remoteNAT, ok bool) {
	dst := ps.Notify(wire.NATDetectionDestinationIP)
	if dst == nil {
		return false, false, false
	}
	localNAT = subtle.ConstantTimeCompare(dst.Data, natHash(spii, spir, local)) != 1
	remoteNAT = true
	want := natHash(spii, spir, remote)
	for n := range ps.Notifies(wire.NATDetectionSourceIP) {
		if subtle.ConstantTimeCompare(n.Data, want) == 1 {
			remoteNAT = false
		}
	}
	return localNAT, remoteNAT, true
}
