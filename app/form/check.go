package form

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
)

// Problems maps a field's profile key ("gateway", "ike_proposals") to what
// is wrong with it, a message that starts with the field's label.
type Problems map[string]string

// prompts ask, in the editor's words, for a field the profile requires
// and the form leaves empty. Whether a field is required is the helper's
// rule (profile.Check); only the wording is the editor's.
var prompts = map[string]string{
	api.FieldName:     "enter a name for this connection",
	api.FieldGateway:  "enter the gateway's host name or address",
	api.FieldAuth:     "choose how you sign in",
	api.FieldPSK:      "enter the key the gateway's administrator gave you",
	api.FieldCert:     "paste your certificate (PEM) or give the path of its file",
	api.FieldKey:      "paste your private key (PEM) or give the path of its file",
	api.FieldUsername: "enter your user name",
}

// Check returns what is wrong with f, field by field; empty when the
// profile can be saved. The rules are the helper's own (profile.Check),
// applied to the profile the form would send, so the editor never
// accepts what the helper refuses. It runs on every keystroke, so it does
// no I/O.
func Check(f Form, s Stored) Problems {
	ps := Problems{}
	add := func(key, format string, args ...any) {
		if _, ok := ps[key]; !ok {
			ps[key] = explain.FieldLabel(key) + ": " + fmt.Sprintf(format, args...)
		}
	}
	// The MTU is text in the form and a number in the profile.
	if m := strings.TrimSpace(f.MTU); m != "" {
		if _, err := strconv.Atoi(m); err != nil {
			add(api.FieldMTU, "%q is not a number", m)
		}
	}
	// A file's path must be absolute: the helper, not this process,
	// would resolve a relative one.
	for key, v := range map[string]string{api.FieldCert: f.Cert, api.FieldKey: f.Key, api.FieldCA: f.CA} {
		if v = strings.TrimSpace(v); v != "" && !strings.Contains(v, "-----BEGIN ") && !isPath(v) {
			add(key, "neither PEM text nor an absolute path")
		}
	}
	checkP12(f, s, add)
	p := f.Profile(s)
	for _, pr := range profile.Check(&p) {
		pr.Field = Key(pr.Field)
		switch {
		case pr.Missing && prompts[pr.Field] != "":
			add(pr.Field, "%s", prompts[pr.Field])
		case pr.Index >= 0 && pr.Suggest != "":
			// The line is under the user's eyes: the correction says it all.
			add(pr.Field, "line %d: did you mean %s?", pr.Index+1, pr.Suggest)
		case pr.Index >= 0:
			// The editor shows a list one entry a line.
			add(pr.Field, "line %d: %s", pr.Index+1, pr.Reason)
		default:
			add(pr.Field, "%s", pr.Reason)
		}
	}
	return ps
}

// checkP12 checks the PKCS#12 bundle of a certificate method: one must
// be chosen or stored, and a chosen one must open with the password.
// Opening it is a computation on data in memory, no I/O.
func checkP12(f Form, s Stored, add func(key, format string, args ...any)) {
	if !f.UseP12 || (f.Auth != api.AuthCert && f.Auth != api.AuthEAPTLS) {
		return
	}
	if f.P12 == "" {
		if !(s.Profile.HasP12 && !f.Clear[api.FieldP12]) && s.Profile.P12File == "" {
			add(api.FieldP12, "choose the .p12 or .pfx file your administrator gave you")
		}
		return
	}
	data, err := base64.StdEncoding.DecodeString(f.P12)
	if err == nil {
		err = profile.CheckMaterial(api.FieldP12, data, f.P12Password)
	}
	switch {
	case errors.Is(err, profile.ErrP12Password) && f.P12Password == "":
		add(api.FieldP12Password, "enter the password that unlocks the PKCS#12 file")
	case errors.Is(err, profile.ErrP12Password):
		add(api.FieldP12Password, "wrong password: it does not unlock the PKCS#12 file")
	case err != nil:
		add(api.FieldP12, "not a PKCS#12 file (.p12 or .pfx), or a damaged one")
	}
}

// Key returns the editor's key of a field the helper names, without its
// index: "remote_ts[1]" is "remote_ts". A *_file key is its field's
// ("cert_file" is "cert"): the editor has one entry for the text or the
// path.
func Key(field string) string {
	if i := strings.IndexByte(field, '['); i > 0 {
		return field[:i]
	}
	switch field {
	case api.FieldCertFile, api.FieldKeyFile, api.FieldCAFile, api.FieldP12File:
		return strings.TrimSuffix(field, "_file")
	}
	return field
}
