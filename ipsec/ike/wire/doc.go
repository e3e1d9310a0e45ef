// Package wire encodes and parses IKEv2 messages (RFC 7296 §3) and the
// payloads a remote-access exchange uses, together with IKE fragmentation
// (RFC 7383) and the configuration payload.
//
// Each payload has one struct, in a file named for it, whose doc comment cites
// its RFC section. Encoding appends to a caller's buffer and allocates nothing
// beyond the append; Message.AppendTo fills in the lengths and the
// next-payload chain. Parsing never panics and fails with errors that wrap one
// of ErrTruncated, ErrMalformed, ErrInvalidMajorVersion or
// ErrUnsupportedCritical, so the state machine can drop the message, count it
// or answer with the matching notify.
//
// Parsed payloads alias the parsed buffer: byte slices in them point into it.
// A caller that reuses its receive buffer must copy what it keeps.
//
// The package does no cryptography: for the Encrypted (SK) and Encrypted
// Fragment (SKF) payloads it locates the IV, ciphertext and integrity check
// value given the cipher's lengths (SplitSealed) and builds the payload from
// parts the cipher fills in; ParsePayloads then reads the decrypted body.
package wire
