package eap

import "strconv"

// Type is the Type field of an EAP Request or Response (RFC 3748 §5, IANA
// "EAP Method Types").
type Type uint8

// Types this package and its methods know.
const (
	// TypeIdentity asks for the peer's identity (RFC 3748 §5.1).
	TypeIdentity Type = 1
	// TypeNotification carries a message to show (RFC 3748 §5.2).
	TypeNotification Type = 2
	// TypeNak refuses the requested method and lists acceptable ones
	// (RFC 3748 §5.3.1); it appears in Responses only.
	TypeNak Type = 3
	// TypeMD5Challenge is MD5-Challenge (RFC 3748 §5.4), which produces no
	// MSK; it is not implemented and only named here.
	TypeMD5Challenge Type = 4
	// TypeTLS is EAP-TLS (RFC 5216, RFC 9190).
	TypeTLS Type = 13
	// TypeMSCHAPv2 is EAP-MSCHAPv2 (draft-kamath-pppext-eap-mschapv2).
	TypeMSCHAPv2 Type = 26
	// TypeExpanded introduces a vendor-specific type (RFC 3748 §5.7).
	TypeExpanded Type = 254
)

// String names the type.
func (t Type) String() string {
	switch t {
	case TypeIdentity:
		return "Identity"
	case TypeNotification:
		return "Notification"
	case TypeNak:
		return "Nak"
	case TypeMD5Challenge:
		return "MD5-Challenge"
	case TypeTLS:
		return "EAP-TLS"
	case TypeMSCHAPv2:
		return "EAP-MSCHAPv2"
	case TypeExpanded:
		return "Expanded"
	}
	return "Type(" + strconv.Itoa(int(t)) + ")"
}

// isMethod reports whether t is an authentication method rather than one
// of the special types 1 to 3 (RFC 3748 §5).
func (t Type) isMethod() bool { return t >= TypeMD5Challenge }
