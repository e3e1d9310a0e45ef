package wire

import "fmt"

// NotifyType is the Notify Message Type of a Notify payload (RFC 7296
// §3.10.1). Types below 16384 report errors; the others carry status.
type NotifyType uint16

// Error types a remote-access client meets (RFC 7296 §3.10.1, RFC 4555,
// RFC 7383).
const (
	UnsupportedCriticalPayload NotifyType = 1
	InvalidIKESPI              NotifyType = 4
	InvalidMajorVersion        NotifyType = 5
	InvalidSyntax              NotifyType = 7
	InvalidMessageID           NotifyType = 9
	InvalidSPI                 NotifyType = 11
	NoProposalChosen           NotifyType = 14
	InvalidKEPayload           NotifyType = 17
	AuthenticationFailed       NotifyType = 24
	SinglePairRequired         NotifyType = 34
	NoAdditionalSAs            NotifyType = 35
	InternalAddressFailure     NotifyType = 36
	FailedCPRequired           NotifyType = 37
	TSUnacceptable             NotifyType = 38
	InvalidSelectors           NotifyType = 39
	UnacceptableAddresses      NotifyType = 40 // RFC 4555 §4.2.4
	UnexpectedNATDetected      NotifyType = 41 // RFC 4555 §4.2.5
	TemporaryFailure           NotifyType = 43
	ChildSANotFound            NotifyType = 44
)

// Status types a remote-access client meets (RFC 7296 §3.10.1, RFC 4555,
// RFC 4739, RFC 5685, RFC 6311, RFC 7383, RFC 7427, RFC 6023, RFC 9242).
const (
	InitialContact                NotifyType = 16384
	SetWindowSize                 NotifyType = 16385
	AdditionalTSPossible          NotifyType = 16386
	IPCompSupported               NotifyType = 16387
	NATDetectionSourceIP          NotifyType = 16388
	NATDetectionDestinationIP     NotifyType = 16389
	Cookie                        NotifyType = 16390
	UseTransportMode              NotifyType = 16391
	HTTPCertLookupSupported       NotifyType = 16392
	RekeySA                       NotifyType = 16393
	ESPTFCPaddingNotSupported     NotifyType = 16394
	NonFirstFragmentsAlso         NotifyType = 16395
	MOBIKESupported               NotifyType = 16396 // RFC 4555 §4.2.1
	AdditionalIP4Address          NotifyType = 16397 // RFC 4555 §4.2.2
	AdditionalIP6Address          NotifyType = 16398 // RFC 4555 §4.2.2
	NoAdditionalAddresses         NotifyType = 16399 // RFC 4555 §4.2.2
	UpdateSAAddresses             NotifyType = 16400 // RFC 4555 §4.2.3
	Cookie2                       NotifyType = 16401 // RFC 4555 §4.2.6
	NoNATsAllowed                 NotifyType = 16402 // RFC 4555 §4.2.7
	AuthLifetime                  NotifyType = 16403 // RFC 4478
	MultipleAuthSupported         NotifyType = 16404 // RFC 4739 §3.1
	AnotherAuthFollows            NotifyType = 16405 // RFC 4739 §3.2
	RedirectSupported             NotifyType = 16406 // RFC 5685 §4.1
	Redirect                      NotifyType = 16407 // RFC 5685 §4.2
	RedirectedFrom                NotifyType = 16408 // RFC 5685 §4.3
	EAPOnlyAuthentication         NotifyType = 16417 // RFC 5998 §3
	ChildlessIKEv2Supported       NotifyType = 16418 // RFC 6023 §3
	IKEv2MessageIDSyncSupported   NotifyType = 16420 // RFC 6311 §4.1
	IKEv2FragmentationSupported   NotifyType = 16430 // RFC 7383 §2.3
	SignatureHashAlgorithms       NotifyType = 16431 // RFC 7427 §4
	IntermediateExchangeSupported NotifyType = 16438 // RFC 9242 §3
	AdditionalKeyExchange         NotifyType = 16441 // RFC 9370 §2.2.4
)

// firstStatusNotify is where status types start (RFC 7296 §3.10.1).
const firstStatusNotify = 16384

// IsError reports whether t is an error type (RFC 7296 §3.10.1).
func (t NotifyType) IsError() bool { return t < firstStatusNotify }

var notifyNames = map[NotifyType]string{
	UnsupportedCriticalPayload: "UNSUPPORTED_CRITICAL_PAYLOAD",
	InvalidIKESPI:              "INVALID_IKE_SPI",
	InvalidMajorVersion:        "INVALID_MAJOR_VERSION",
	InvalidSyntax:              "INVALID_SYNTAX",
	InvalidMessageID:           "INVALID_MESSAGE_ID",
	InvalidSPI:                 "INVALID_SPI",
	NoProposalChosen:           "NO_PROPOSAL_CHOSEN",
	InvalidKEPayload:           "INVALID_KE_PAYLOAD",
	AuthenticationFailed:       "AUTHENTICATION_FAILED",
	SinglePairRequired:         "SINGLE_PAIR_REQUIRED",
	NoAdditionalSAs:            "NO_ADDITIONAL_SAS",
	InternalAddressFailure:     "INTERNAL_ADDRESS_FAILURE",
	FailedCPRequired:           "FAILED_CP_REQUIRED",
	TSUnacceptable:             "TS_UNACCEPTABLE",
	InvalidSelectors:           "INVALID_SELECTORS",
	UnacceptableAddresses:      "UNACCEPTABLE_ADDRESSES",
	UnexpectedNATDetected:      "UNEXPECTED_NAT_DETECTED",
	TemporaryFailure:           "TEMPORARY_FAILURE",
	ChildSANotFound:            "CHILD_SA_NOT_FOUND",

	InitialContact:                "INITIAL_CONTACT",
	SetWindowSize:                 "SET_WINDOW_SIZE",
	AdditionalTSPossible:          "ADDITIONAL_TS_POSSIBLE",
	IPCompSupported:               "IPCOMP_SUPPORTED",
	NATDetectionSourceIP:          "NAT_DETECTION_SOURCE_IP",
	NATDetectionDestinationIP:     "NAT_DETECTION_DESTINATION_IP",
	Cookie:                        "COOKIE",
	UseTransportMode:              "USE_TRANSPORT_MODE",
	HTTPCertLookupSupported:       "HTTP_CERT_LOOKUP_SUPPORTED",
	RekeySA:                       "REKEY_SA",
	ESPTFCPaddingNotSupported:     "ESP_TFC_PADDING_NOT_SUPPORTED",
	NonFirstFragmentsAlso:         "NON_FIRST_FRAGMENTS_ALSO",
	MOBIKESupported:               "MOBIKE_SUPPORTED",
	AdditionalIP4Address:          "ADDITIONAL_IP4_ADDRESS",
	AdditionalIP6Address:          "ADDITIONAL_IP6_ADDRESS",
	NoAdditionalAddresses:         "NO_ADDITIONAL_ADDRESSES",
	UpdateSAAddresses:             "UPDATE_SA_ADDRESSES",
	Cookie2:                       "COOKIE2",
	NoNATsAllowed:                 "NO_NATS_ALLOWED",
	AuthLifetime:                  "AUTH_LIFETIME",
	MultipleAuthSupported:         "MULTIPLE_AUTH_SUPPORTED",
	AnotherAuthFollows:            "ANOTHER_AUTH_FOLLOWS",
	RedirectSupported:             "REDIRECT_SUPPORTED",
	Redirect:                      "REDIRECT",
	RedirectedFrom:                "REDIRECTED_FROM",
	EAPOnlyAuthentication:         "EAP_ONLY_AUTHENTICATION",
	ChildlessIKEv2Supported:       "CHILDLESS_IKEV2_SUPPORTED",
	IKEv2MessageIDSyncSupported:   "IKEV2_MESSAGE_ID_SYNC_SUPPORTED",
	IKEv2FragmentationSupported:   "IKEV2_FRAGMENTATION_SUPPORTED",
	SignatureHashAlgorithms:       "SIGNATURE_HASH_ALGORITHMS",
	IntermediateExchangeSupported: "INTERMEDIATE_EXCHANGE_SUPPORTED",
	AdditionalKeyExchange:         "ADDITIONAL_KEY_EXCHANGE",
}

// String returns the IANA name of the notify type.
func (t NotifyType) String() string {
	if s, ok := notifyNames[t]; ok {
		return s
	}
	if t.IsError() {
		return fmt.Sprintf("ERROR_NOTIFY(%d)", uint16(t))
	}
	return fmt.Sprintf("STATUS_NOTIFY(%d)", uint16(t))
}
