package profile

import (
	"fmt"
	"io"
)

// Secret is a secret the helper holds in memory: a pre-shared key, a
// password. It is a byte slice so that whoever owns it can overwrite it
// (Wipe) once it is no longer needed; a Go string cannot be. It never
// prints: fmt's verbs, String and MarshalJSON all give "[redacted]", so a
// log line or a status that quotes a profile by mistake leaks nothing.
type Secret []byte

// redacted is what a Secret prints as.
const redacted = "[redacted]"

// NewSecret returns s as a Secret, nil for "". The string itself stays
// where it was: the caller drops it.
func NewSecret(s string) Secret {
	if s == "" {
		return nil
	}
	return Secret(s)
}

// Clone returns a copy of s that the caller owns and wipes, nil for an
// empty s.
func (s Secret) Clone() Secret {
	if len(s) == 0 {
		return nil
	}
	return append(Secret(nil), s...)
}

// Wipe overwrites s with zeros. Every slice sharing its backing array
// sees the zeros.
func (s Secret) Wipe() { clear(s) }

// Empty reports whether there is no secret.
func (s Secret) Empty() bool { return len(s) == 0 }

// Reveal returns the secret as a string, for an API that takes only
// strings (the profile's JSON, a PKCS#12 decoder). The string cannot be
// wiped: the caller keeps it no longer than the call that needs it.
func (s Secret) Reveal() string { return string(s) }

// String implements fmt.Stringer without the secret.
func (s Secret) String() string { return redacted }

// GoString implements fmt.GoStringer without the secret.
func (s Secret) GoString() string { return redacted }

// Format implements fmt.Formatter: every verb (%v, %s, %q, %x, %d...)
// prints "[redacted]".
func (s Secret) Format(f fmt.State, _ rune) { _, _ = io.WriteString(f, redacted) }

// MarshalJSON implements json.Marshaler without the secret; the API's
// JSON carries secrets through api.Profile's strings, never a Secret.
func (s Secret) MarshalJSON() ([]byte, error) { return []byte(`"` + redacted + `"`), nil }
