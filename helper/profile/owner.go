package profile

import (
	"strconv"

	"github.com/espressovpn/espresso/helper/api"
)

// Limits of what one user may store. Root's profiles count against no
// count limit; the size limit holds for all.
const (
	// MaxProfileSize bounds a stored profile's JSON, inline certificates,
	// keys and PKCS#12 bundle included.
	MaxProfileSize = 256 << 10
	// MaxProfilesPerUser bounds how many profiles one user other than
	// root may own.
	MaxProfilesPerUser = 32
)

// Root is the uid of the system's administrator. Profiles stored before
// they had owners have none in their file, which reads as Root: they were
// written by root or by code that checked the caller, and who created
// them is not known, so a member must ask root to share such a profile or
// create it again.
const Root uint32 = 0

// CanView reports whether uid may read p's details, edit it, remove it
// and answer its prompts: its owner and root may.
func CanView(p *api.Profile, uid uint32) bool { return uid == Root || uid == p.Owner }

// CanUse reports whether uid may connect and disconnect p: whoever may
// view it, and every member when root shared it.
func CanUse(p *api.Profile, uid uint32) bool {
	return CanView(p, uid) || p.Shared && p.Owner == Root
}

// CanMarkAlwaysOn reports whether uid may make p the default always-on
// profile, or take the mark from it: its owner and root may. Being able
// to connect a shared profile is not enough, as the mark keeps it up for
// every user of the machine.
func CanMarkAlwaysOn(p *api.Profile, uid uint32) bool { return CanView(p, uid) }

// rootOnly lists the fields only root may set or change, with their value
// as text. The *_file fields name files the helper reads as root; shared
// opens a profile to every member; the profile's fwmark passes its kill
// switch and skips the tunnel's routing rule, and anything on the machine
// may carry the same mark, so a mark a member chose would open a hole in
// every block. A field that must become root-only (one that reaches past
// the caller's own rights) is one line here.
var rootOnly = []struct {
	field string
	value func(*api.Profile) string
}{
	{api.FieldCertFile, func(p *api.Profile) string { return p.CertFile }},
	{api.FieldKeyFile, func(p *api.Profile) string { return p.KeyFile }},
	{api.FieldCAFile, func(p *api.Profile) string { return p.CAFile }},
	{api.FieldP12File, func(p *api.Profile) string { return p.P12File }},
	{api.FieldShared, func(p *api.Profile) string { return strconv.FormatBool(p.Shared) }},
	{api.FieldFWMark, func(p *api.Profile) string { return canonicalMark(p.FWMark) }},
}

// canonicalMark spells a mark one way ("42" and "0x2a" are the same), so
// that an edit keeping root's mark in another spelling is no change; a
// value that does not parse is returned as is.
func canonicalMark(s string) string {
	if m, err := ParseFWMark(s); err == nil {
		return strconv.FormatUint(uint64(m), 10)
	}
	return s
}

// RootOnlyChange returns the first root-only field p sets to a value
// other than old's (old is the zero Profile for a new one), or "". A
// member may send back a value root stored, unchanged.
func RootOnlyChange(p, old *api.Profile) string {
	for _, f := range rootOnly {
		if v := f.value(p); v != f.value(old) && v != f.value(&api.Profile{}) {
			return f.field
		}
	}
	return ""
}

// secretBinding lists the fields that say where the stored secrets go
// and who proves what with them. When one changes, a secret that is not
// sent again is dropped: otherwise an edit could send a stored password,
// PSK or the signature of a stored key to a gateway of the editor's
// choosing.
var secretBinding = []struct {
	field string
	value func(*api.Profile) string
}{
	{api.FieldGateway, func(p *api.Profile) string { return p.Gateway }},
	{api.FieldRemoteID, func(p *api.Profile) string { return p.RemoteID }},
	{api.FieldCA, func(p *api.Profile) string { return p.CA }},
	{api.FieldCAFile, func(p *api.Profile) string { return p.CAFile }},
	{api.FieldAuth, func(p *api.Profile) string { return p.Auth }},
	{api.FieldUsername, func(p *api.Profile) string { return p.Username }},
	{api.FieldLocalID, func(p *api.Profile) string { return p.LocalID }},
}

// BindingChange returns the first field of p that differs from old's
// among those the stored secrets are bound to, or "".
func BindingChange(p, old *api.Profile) string {
	for _, f := range secretBinding {
		if f.value(p) != f.value(old) {
			return f.field
		}
	}
	return ""
}

// secretFields are the keys of the write-only fields.
var secretFields = map[string]bool{
	api.FieldPSK: true, api.FieldKey: true, api.FieldP12: true, api.FieldP12Password: true, api.FieldPassword: true,
}

// Migrate brings a profile stored by an earlier version to today's
// format. A file's path in cert, key, ca or p12 moves to its *_file key:
// such values were written by root, or by code that refused paths from
// anyone else, so reading them as files stays what they meant. Owner
// needs nothing: a profile without one is root's (see Root).
func Migrate(p *api.Profile) {
	for _, f := range []struct{ v, file *string }{{&p.Cert, &p.CertFile}, {&p.Key, &p.KeyFile}, {&p.CA, &p.CAFile}, {&p.P12, &p.P12File}} {
		if *f.file == "" && isLegacyPath(*f.v) {
			*f.file, *f.v = *f.v, ""
		}
	}
}
