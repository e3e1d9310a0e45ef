package wire

import "fmt"

// ExchangeType is the Exchange Type field of the IKE header (RFC 7296 §3.1).
type ExchangeType uint8

// Exchange types (RFC 7296 §3.1, RFC 9242, RFC 9370).
const (
	IKESAInit       ExchangeType = 34
	IKEAuth         ExchangeType = 35
	CreateChildSA   ExchangeType = 36
	Informational   ExchangeType = 37
	IKEIntermediate ExchangeType = 43 // RFC 9242 §3
	IKEFollowupKE   ExchangeType = 44 // RFC 9370 §2.2
)

// String returns the RFC name of the exchange type.
func (e ExchangeType) String() string {
	switch e {
	case IKESAInit:
		return "IKE_SA_INIT"
	case IKEAuth:
		return "IKE_AUTH"
	case CreateChildSA:
		return "CREATE_CHILD_SA"
	case Informational:
		return "INFORMATIONAL"
	case IKEIntermediate:
		return "IKE_INTERMEDIATE"
	case IKEFollowupKE:
		return "IKE_FOLLOWUP_KE"
	}
	return fmt.Sprintf("EXCHANGE(%d)", uint8(e))
}
