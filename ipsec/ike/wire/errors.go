package wire

import (
	"errors"
	"fmt"
)

// Errors every parse error wraps; callers branch on them with errors.Is.
var (
	// ErrTruncated reports input shorter than a length or count in it says.
	ErrTruncated = errors.New("ike wire: truncated")
	// ErrMalformed reports input that violates the encoding rules of
	// RFC 7296 §3 (bad lengths, counts, sizes or substructure markers). The
	// state machine answers such a request with INVALID_SYNTAX (§2.21.1)
	// once the message is authenticated, and drops it before.
	ErrMalformed = errors.New("ike wire: malformed")
	// ErrInvalidMajorVersion reports a header whose major version is not 2;
	// RFC 7296 §1.5 and §3.1 ask for an INVALID_MAJOR_VERSION notify.
	ErrInvalidMajorVersion = errors.New("ike wire: invalid major version")
	// ErrUnsupportedCritical is matched by *UnsupportedCriticalPayloadError.
	ErrUnsupportedCritical = errors.New("ike wire: unsupported critical payload")
	// ErrInvalid reports a value that cannot be encoded, such as a field
	// longer than its length field can express or an address of the wrong
	// family.
	ErrInvalid = errors.New("ike wire: invalid value")
)

// UnsupportedCriticalPayloadError reports a payload whose type this package
// does not implement and whose critical bit is set. RFC 7296 §2.5 requires
// rejecting the whole message with an UNSUPPORTED_CRITICAL_PAYLOAD notify
// whose data is the one-octet payload type, here Type.
type UnsupportedCriticalPayloadError struct {
	Type PayloadType
}

// Error implements error.
func (e *UnsupportedCriticalPayloadError) Error() string {
	return fmt.Sprintf("ike wire: unsupported critical payload type %d", uint8(e.Type))
}

// Is makes errors.Is(err, ErrUnsupportedCritical) true.
func (e *UnsupportedCriticalPayloadError) Is(target error) bool {
	return target == ErrUnsupportedCritical
}

func truncated(what string, need, have int) error {
	return fmt.Errorf("%w: %s needs %d bytes, has %d", ErrTruncated, what, need, have)
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...)
}
