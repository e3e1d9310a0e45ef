package wire

import (
	"fmt"
	"strings"
)

// MaxDNSDomains bounds the INTERNAL_DNS_DOMAIN attributes taken from one
// CFG_REPLY: each becomes a routing or search domain of the system's
// resolver.
const MaxDNSDomains = 32

// DNSDomainAttribute returns an INTERNAL_DNS_DOMAIN attribute holding
// name (RFC 8598 §4): the name in presentation format, without a
// terminating NUL, as strongSwan's attr plugin sends it.
func DNSDomainAttribute(name string) ConfigAttribute {
	return ConfigAttribute{Type: InternalDNSDomain, Value: []byte(name)}
}

// DNSDomain returns the domain of an INTERNAL_DNS_DOMAIN attribute (RFC
// 8598 §4), checked and normalised by ParseDNSDomain. It reports false for
// an empty value, as in a request.
func (a ConfigAttribute) DNSDomain() (string, bool, error) {
	if a.Type != InternalDNSDomain {
		return "", false, invalid("%v holds no domain name", a.Type)
	}
	if len(a.Value) == 0 {
		return "", false, nil
	}
	d, err := ParseDNSDomain(string(a.Value))
	if err != nil {
		return "", false, err
	}
	return d, true, nil
}

// ParseDNSDomain checks that s is a DNS name in presentation format as
// RFC 8598 §4 asks (IDNA A-labels, so ASCII only): labels of letters,
// digits, '-' and '_' of 1 to 63 octets, at most 253 octets in all. It
// returns the name in lower case without a trailing dot. The root "." is
// refused: a gateway claiming every name is what a full tunnel does, not
// a split DNS domain.
func ParseDNSDomain(s string) (string, error) {
	name := strings.TrimSuffix(s, ".")
	switch {
	case name == "":
		return "", fmt.Errorf("domain %q: not a DNS name", s)
	case len(name) > 253:
		return "", fmt.Errorf("domain of %d characters: longer than 253", len(name))
	}
	for label := range strings.SplitSeq(name, ".") {
		if label == "" || len(label) > 63 {
			return "", fmt.Errorf("domain %q: a label is empty or longer than 63 characters", s)
		}
		for i := 0; i < len(label); i++ {
			c := label[i]
			if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
				return "", fmt.Errorf("domain %q: only letters, digits, '-', '_' and dots are allowed", s)
			}
		}
		if label[0] == '-' || label[len(label)-1] == '-' {
			return "", fmt.Errorf("domain %q: a label starts or ends with '-'", s)
		}
	}
	return strings.ToLower(name), nil
}
