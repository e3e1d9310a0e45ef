package form

import (
	"encoding/pem"
	"errors"
	"fmt"
	"net/netip"
	"path/filepath"
	"strconv"
	"strings"
	"unicode"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// Problems maps a field's profile key ("gateway", "ike_proposals") to what
// is wrong with it, a message that starts with the field's label.
type Problems map[string]string

// maxIdentity bounds identities, as the helper does.
const maxIdentity = 255

// Check returns what is wrong with f, field by field; empty when the
// profile can be saved. It runs on every keystroke, so it does no I/O.
func Check(f Form, s Stored) Problems {
	ps := Problems{}
	add := func(key, format string, args ...any) {
		if _, ok := ps[key]; !ok {
			ps[key] = explain.FieldLabel(key) + ": " + fmt.Sprintf(format, args...)
		}
	}
	name := strings.TrimSpace(f.Name)
	switch {
	case name == "":
		add("name", "enter a name for this connection")
	case !profile.ValidName(name):
		add("name", "use up to 64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	}
	if strings.TrimSpace(f.Gateway) == "" {
		add("gateway", "enter the gateway's host name or address")
	} else if _, _, err := profile.SplitGateway(strings.TrimSpace(f.Gateway)); err != nil {
		add("gateway", "%v", err)
	}
	for key, v := range map[string]string{"remote_id": f.RemoteID, "local_id": f.LocalID} {
		if msg := identityProblem(v); msg != "" {
			add(key, "%s", msg)
		}
	}
	checkAuth(f, s, add)
	checkProposals("ike_proposals", f.IKEProposals, false, add)
	checkProposals("esp_proposals", f.ESPProposals, true, add)
	v6 := checkPrefixes("remote_ts", f.RemoteTS, add)
	if len(Lines(f.RemoteTS)) == 0 {
		v6 = true // the default selectors include ::/0
	}
	checkPrefixes("exclude", f.Exclude, add)
	for i, d := range Lines(f.DNS) {
		if a, err := netip.ParseAddr(d); err != nil || a.Zone() != "" {
			add("dns", "line %d: %q is not an IP address", i+1, d)
		}
	}
	if m := strings.TrimSpace(f.MTU); m != "" {
		n, err := strconv.Atoi(m)
		switch {
		case err != nil:
			add("mtu", "%q is not a number", m)
		case n < profile.MinMTU || n > profile.MaxMTU:
			add("mtu", "%d is outside %d to %d", n, profile.MinMTU, profile.MaxMTU)
		case v6 && n < profile.MinMTUIPv6:
			add("mtu", "%d is below %d, the minimum when IPv6 goes through the tunnel", n, profile.MinMTUIPv6)
		}
	}
	if len(ps) == 0 {
		// The quick checks passed; the helper's full validation has the
		// last word, so the editor never accepts what the helper refuses.
		p := f.Profile(s)
		var e *api.Error
		if err := profile.Validate(&p); errors.As(err, &e) {
			add(Key(e.Field), "%s", strings.TrimPrefix(e.Message, e.Field+": "))
		}
	}
	return ps
}

// Key returns the profile key of a field the helper names, without its
// index: "remote_ts[1]" is "remote_ts".
func Key(field string) string {
	if i := strings.IndexByte(field, '['); i > 0 {
		return field[:i]
	}
	return field
}

func identityProblem(id string) string {
	if len(id) > maxIdentity {
		return fmt.Sprintf("longer than %d bytes", maxIdentity)
	}
	for _, r := range id {
		if unicode.IsControl(r) {
			return "contains a control character"
		}
	}
	return ""
}

func checkAuth(f Form, s Stored, add func(key, format string, args ...any)) {
	stored := s.Profile
	keeps := func(has bool) bool { return has && stored.Auth == f.Auth }
	switch f.Auth {
	case api.AuthPSK:
		if f.PSK == "" && !keeps(stored.HasPSK) {
			add("psk", "enter the key the gateway's administrator gave you")
		}
	case api.AuthCert, api.AuthEAPTLS:
		hasP12 := stored.HasP12 && (stored.Auth == api.AuthCert || stored.Auth == api.AuthEAPTLS)
		if hasP12 {
			break
		}
		if strings.TrimSpace(f.Cert) == "" {
			add("cert", "paste your certificate (PEM) or give the path of its file")
		} else if msg := pemProblem(f.Cert, "CERTIFICATE"); msg != "" {
			add("cert", "%s", msg)
		}
		if strings.TrimSpace(f.Key) == "" && !keeps(stored.HasKey) {
			add("key", "paste your private key (PEM) or give the path of its file")
		} else if strings.TrimSpace(f.Key) != "" {
			if msg := pemProblem(f.Key, "PRIVATE KEY"); msg != "" {
				add("key", "%s", msg)
			}
		}
	case api.AuthEAPMSCHAPv2:
		if strings.TrimSpace(f.Username) == "" && strings.TrimSpace(f.LocalID) == "" {
			add("username", "enter your user name")
		} else if msg := identityProblem(f.Username); msg != "" {
			add("username", "%s", msg)
		}
	default:
		add("auth", "choose how you sign in")
	}
	if strings.TrimSpace(f.CA) != "" {
		if msg := pemProblem(f.CA, "CERTIFICATE"); msg != "" {
			add("ca", "%s", msg)
		}
	}
}

// pemProblem accepts PEM text holding a block whose type ends with want,
// or an absolute path the helper reads. Its message never quotes the
// value, which may be a private key.
func pemProblem(v, want string) string {
	v = strings.TrimSpace(v)
	if !strings.Contains(v, "-----BEGIN ") {
		if filepath.IsAbs(v) {
			return ""
		}
		return "neither PEM text nor an absolute path"
	}
	rest := []byte(v)
	for {
		var b *pem.Block
		b, rest = pem.Decode(rest)
		if b == nil {
			return fmt.Sprintf("no complete PEM %s block", strings.ToLower(want))
		}
		if strings.HasSuffix(b.Type, want) {
			return ""
		}
	}
}

func checkProposals(key, list string, esp bool, add func(key, format string, args ...any)) {
	for i, s := range Lines(list) {
		if _, err := suite.ParseProposal(s, esp); err != nil {
			var pe *suite.ProposalError
			if errors.As(err, &pe) && pe.Token != "" {
				add(key, "line %d: %q: %s", i+1, pe.Token, pe.Reason)
			} else if errors.As(err, &pe) {
				add(key, "line %d: %s", i+1, pe.Reason)
			} else {
				add(key, "line %d: %v", i+1, err)
			}
		}
	}
}

// checkPrefixes checks a list of prefixes and reports whether one is IPv6.
func checkPrefixes(key, list string, add func(key, format string, args ...any)) (v6 bool) {
	for i, s := range Lines(list) {
		p, err := netip.ParsePrefix(s)
		switch {
		case err != nil:
			add(key, "line %d: %q is not a network such as 192.0.2.0/24", i+1, s)
		case p != p.Masked():
			add(key, "line %d: did you mean %s?", i+1, p.Masked())
		default:
			v6 = v6 || p.Addr().Is6()
		}
	}
	return v6
}
