package core

import (
	"crypto/rand"
	"crypto/subtle"
	"io"
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// NATNotifies returns NAT_DETECTION_SOURCE_IP and _DESTINATION_IP for the
// endpoints (RFC 7296 §2.23; SPIr is zero in the IKE_SA_INIT request).
// fake sends a source hash that cannot match, so that the peer sees a NAT
// and encapsulates ESP in UDP (RFC 7296 §2.23 lets an endpoint claim a NAT;
// strongSwan forces encapsulation the same way).
func NATNotifies(spii, spir uint64, local, remote netip.AddrPort, fake bool, r io.Reader) []wire.Payload {
	src := auth.NATDetectionHash(spii, spir, local)
	if fake {
		if r == nil {
			r = rand.Reader
		}
		io.ReadFull(r, src[:])
	}
	dst := auth.NATDetectionHash(spii, spir, remote)
	return []wire.Payload{
		wire.NewNotify(wire.NATDetectionSourceIP, src[:]),
		wire.NewNotify(wire.NATDetectionDestinationIP, dst[:]),
	}
}

// NATCheck evaluates the peer's NAT detection notifies: localNAT when the
// peer's view of our address (its destination hash) does not match ours,
// remoteNAT when none of its source hashes matches where its packet came
// from. ok is false when the peer sent no such notifies.
func NATCheck(ps wire.Payloads, spii, spir uint64, local, remote netip.AddrPort) (localNAT, remoteNAT, ok bool) {
	dst := ps.Notify(wire.NATDetectionDestinationIP)
	if dst == nil {
		return false, false, false
	}
	ours := auth.NATDetectionHash(spii, spir, local)
	localNAT = subtle.ConstantTimeCompare(dst.Data, ours[:]) != 1
	remoteNAT = true
	want := auth.NATDetectionHash(spii, spir, remote)
	for n := range ps.Notifies(wire.NATDetectionSourceIP) {
		if subtle.ConstantTimeCompare(n.Data, want[:]) == 1 {
			remoteNAT = false
		}
	}
	return localNAT, remoteNAT, true
}
