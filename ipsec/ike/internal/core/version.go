package core

import (
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// answerMajorVersion answers a request of a later major version of IKE
// with INVALID_MAJOR_VERSION in a version 2 header, the closest version we
// speak (RFC 7296 §2.5, §3.10.1). The answer goes in the clear to where the
// request came from, with its SPIs, exchange type and Message ID and the
// Response flag (§1.5). Responses, and messages of earlier versions
// (IKEv1), are dropped: nothing answers a response (§2.21), and an IKEv1
// peer would not understand.
func (d *Machine) answerMajorVersion(dg Datagram) {
	h, _ := wire.ParseHeader(dg.B)
	if h.MajorVersion <= wire.MajorVersion || h.IsResponse() {
		return
	}
	d.Log.Debug("ike: request of IKE major version answered with INVALID_MAJOR_VERSION", "version", h.MajorVersion, "from", dg.From)
	rh := wire.Header{
		SPIi: h.SPIi, SPIr: h.SPIr,
		MajorVersion: wire.MajorVersion, MinorVersion: wire.MinorVersion,
		ExchangeType: h.ExchangeType, MessageID: h.MessageID,
		Flags: wire.FlagResponse,
	}
	if !h.IsInitiator() {
		// The request came from the SA's original responder: we are its
		// initiator (§3.1).
		rh.Flags |= wire.FlagInitiator
	}
	b, err := EncodePlain(rh, wire.Payloads{wire.NewNotify(wire.InvalidMajorVersion, nil)})
	if err != nil {
		return
	}
	d.Xchg.Reply([][]byte{b}, dg)
}
