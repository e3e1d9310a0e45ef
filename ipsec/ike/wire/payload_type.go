package wire

import "fmt"

// PayloadType is an IKEv2 payload type (RFC 7296 §3.2), as found in the Next
// Payload fields of the IKE header and of each generic payload header.
type PayloadType uint8

// Payload types (RFC 7296 §3.2, RFC 7383 §2.5).
const (
	PayloadNone     PayloadType = 0  // no next payload
	PayloadSA       PayloadType = 33 // Security Association, §3.3
	PayloadKE       PayloadType = 34 // Key Exchange, §3.4
	PayloadIDi      PayloadType = 35 // Identification - Initiator, §3.5
	PayloadIDr      PayloadType = 36 // Identification - Responder, §3.5
	PayloadCERT     PayloadType = 37 // Certificate, §3.6
	PayloadCERTREQ  PayloadType = 38 // Certificate Request, §3.7
	PayloadAUTH     PayloadType = 39 // Authentication, §3.8
	PayloadNonce    PayloadType = 40 // Nonce, §3.9
	PayloadNotify   PayloadType = 41 // Notify, §3.10
	PayloadDelete   PayloadType = 42 // Delete, §3.11
	PayloadVendorID PayloadType = 43 // Vendor ID, §3.12
	PayloadTSi      PayloadType = 44 // Traffic Selector - Initiator, §3.13
	PayloadTSr      PayloadType = 45 // Traffic Selector - Responder, §3.13
	PayloadSK       PayloadType = 46 // Encrypted and Authenticated, §3.14
	PayloadCP       PayloadType = 47 // Configuration, §3.15
	PayloadEAP      PayloadType = 48 // Extensible Authentication, §3.16
	PayloadSKF      PayloadType = 53 // Encrypted and Authenticated Fragment, RFC 7383 §2.5
)

// Sizes of the generic payload header (RFC 7296 §3.2).
const (
	payloadGenericLen = 4
	maxPayloadLen     = 0xffff
)

var payloadNames = map[PayloadType]string{
	PayloadNone: "NONE", PayloadSA: "SA", PayloadKE: "KE", PayloadIDi: "IDi",
	PayloadIDr: "IDr", PayloadCERT: "CERT", PayloadCERTREQ: "CERTREQ",
	PayloadAUTH: "AUTH", PayloadNonce: "No", PayloadNotify: "N",
	PayloadDelete: "D", PayloadVendorID: "V", PayloadTSi: "TSi",
	PayloadTSr: "TSr", PayloadSK: "SK", PayloadCP: "CP", PayloadEAP: "EAP",
	PayloadSKF: "SKF",
}

// String returns the RFC 7296 notation of the payload type ("SA", "No", "N").
func (t PayloadType) String() string {
	if s, ok := payloadNames[t]; ok {
		return s
	}
	return fmt.Sprintf("PAYLOAD(%d)", uint8(t))
}
