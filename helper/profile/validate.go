package profile

import (
	"errors"
	"regexp"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// Limits checked by Parse.
const (
	// DefaultMTU is the tunnel MTU when a profile sets none.
	DefaultMTU = 1400
	// MinMTU is the smallest MTU a profile may set: IPv4's minimum
	// datagram size every host must accept (RFC 791).
	MinMTU = 576
	// MinMTUIPv6 is the smallest MTU when IPv6 goes through the tunnel
	// (RFC 8200 §5).
	MinMTUIPv6 = 1280
	// MaxMTU is the largest MTU a profile may set (a jumbo frame).
	MaxMTU = 9000
	// MaxInterval bounds dpd and nat_keepalive.
	MaxInterval = time.Hour
	// DefaultPort is the gateway's IKE port when the profile names none
	// (RFC 7296 §2).
	DefaultPort = 500
	// maxIdentity bounds identities and user names, in bytes.
	maxIdentity = 255
)

var nameRE = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// ValidName reports whether name can name a profile (and its file).
func ValidName(name string) bool { return nameRE.MatchString(name) }

// Validate checks every field of p and returns an *api.Error naming the
// first field that is wrong (CodeInvalidProfile), or nil. Secrets count as
// present when given or when their Has* flag says they are stored. It is
// Parse without the result.
func Validate(p *api.Profile) error {
	_, err := Parse(p)
	return err
}

// Parse checks every field of p and returns it typed, or an *api.Error
// (CodeInvalidProfile) naming the first field that is wrong. Secrets
// count as present when given or when their Has* flag says they are
// stored. Parse does no I/O: files the profile names are read when
// connecting (Source.Read).
func Parse(p *api.Profile) (*Profile, error) {
	ps := parser{}
	out := ps.parse(p)
	if len(ps.problems) > 0 {
		return nil, ps.problems[0].APIError()
	}
	return out, nil
}

// Check returns every rule p breaks, in the order of Parse's checks, at
// most one per list entry: what an editor shows next to each field. It
// does no I/O, so it can run at every keystroke.
func Check(p *api.Profile) []*Problem {
	ps := parser{}
	ps.parse(p)
	return ps.problems
}

// Problem is one rule a profile breaks.
type Problem struct {
	// Field is the field's key (api.FieldRemoteTS).
	Field string
	// Index is the entry of a list field that is wrong, -1 for a field
	// that is no list.
	Index int
	// Missing reports a required field that is empty; an editor may ask
	// for it in its own words.
	Missing bool
	// Reason says what is wrong, without the field's name. It never
	// quotes a secret.
	Reason string
	// Suggest is the value the profile probably means, when the rule
	// knows one (the network of a prefix with host bits set); empty
	// otherwise.
	Suggest string
}

// Name returns the field as api.Error.Field names it: "remote_ts[1]".
func (p *Problem) Name() string {
	if p.Index < 0 {
		return p.Field
	}
	return api.FieldAt(p.Field, p.Index)
}

func (p *Problem) Error() string { return p.Name() + ": " + p.Reason }

// APIError returns p as the API reports it (CodeInvalidProfile).
func (p *Problem) APIError() *api.Error {
	return api.FieldError(p.Name(), "%s", p.Reason)
}

// errMissing is a required field's reason when nothing more specific
// applies.
var errMissing = errors.New("missing")
