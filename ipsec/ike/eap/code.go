package eap

import "strconv"

// Code is the Code field of an EAP packet (RFC 3748 §4).
type Code uint8

// Codes of RFC 3748 §4.
const (
	CodeRequest  Code = 1
	CodeResponse Code = 2
	CodeSuccess  Code = 3
	CodeFailure  Code = 4
)

// String names the code as RFC 3748 does.
func (c Code) String() string {
	switch c {
	case CodeRequest:
		return "Request"
	case CodeResponse:
		return "Response"
	case CodeSuccess:
		return "Success"
	case CodeFailure:
		return "Failure"
	}
	return "Code(" + strconv.Itoa(int(c)) + ")"
}
