// Package eap is the peer side of the Extensible Authentication Protocol
// (RFC 3748) as IKEv2 carries it in IKE_AUTH (RFC 7296 §2.16): the packet
// format, the Identity, Notification and Nak types, and a Peer that answers
// the gateway's Requests through one of several Methods until the gateway
// sends Success or Failure.
//
// The methods live in subpackages (mschapv2, eaptls). Each yields a Master
// Session Key (RFC 5247) that keys the AUTH payloads that close IKE_AUTH
// (RFC 7296 §2.16), or reports ErrNoMSK when it produces none.
//
// Failures wrap the sentinel errors of errors.go so that callers, and in the
// end the GUI, can tell a wrong password from an unsupported method or a
// malformed packet with errors.Is.
package eap
