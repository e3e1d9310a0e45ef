package eap

// Method is the peer side of one EAP authentication method (RFC 3748 §5).
// A Peer drives it from a single goroutine.
type Method interface {
	// Type is the method's EAP type.
	Type() Type
	// Process answers the Type-Data of a Request of this method with the
	// Type-Data of the Response. An error ends the conversation. A method
	// whose protocol acknowledges a refusal (the MSCHAPv2 Failure Request)
	// returns that acknowledgement together with an error wrapping
	// ErrRejected: the Peer sends it and reports the error when the
	// authenticator's Failure arrives.
	Process(data []byte) (resp []byte, err error)
	// Complete reports whether the method has finished on the peer's side
	// and authenticated the authenticator where it can, so that a Success
	// may be accepted (RFC 3748 §4.2 and §7.2.1: a Success before that
	// would skip the method's own checks).
	Complete() bool
	// MSK returns the Master Session Key (RFC 5247 §2.1) once Complete, or
	// an error wrapping ErrNoMSK for a method that derives none.
	MSK() ([]byte, error)
}
