package explain

import (
	"strconv"
	"strings"

	"github.com/espressovpn/espresso/helper/api"
)

// labels are the names the profile editor shows for profile keys.
var labels = map[string]string{
	api.FieldName:         "Name",
	api.FieldGateway:      "Gateway",
	api.FieldRemoteID:     "Gateway identity",
	api.FieldLocalID:      "Your identity",
	api.FieldAuth:         "Authentication",
	api.FieldPSK:          "Pre-shared key",
	api.FieldCert:         "Certificate",
	api.FieldKey:          "Private key",
	api.FieldP12:          "PKCS#12 bundle",
	api.FieldP12Password:  "PKCS#12 password",
	api.FieldUsername:     "User name",
	api.FieldPassword:     "Password",
	api.FieldCA:           "Gateway CA",
	api.FieldCertFile:     "Certificate file",
	api.FieldKeyFile:      "Private key file",
	api.FieldCAFile:       "Gateway CA file",
	api.FieldP12File:      "PKCS#12 file",
	api.FieldShared:       "Shared with all users",
	api.FieldIKEProposals: "IKE proposals",
	api.FieldESPProposals: "ESP proposals",
	api.FieldRemoteTS:     "Networks through the tunnel",
	api.FieldExclude:      "Networks outside the tunnel",
	api.FieldDNS:          "DNS servers",
	api.FieldDNSDomains:   "DNS domains",
	api.FieldMTU:          "MTU",
	api.FieldOnDemand:     "Connect on demand",
	api.FieldKillSwitch:   "Kill switch",
	api.FieldBlockOutside: "Block outside the tunnel",
	api.FieldFWMark:       "Firewall mark",
	api.FieldDPD:          "Dead peer detection",
	api.FieldNATKeepalive: "NAT keepalive",

	api.FieldAllowUngranted:  "Families allowed outside when not granted",
	api.FieldAutoConnect:     "Connect automatically",
	api.FieldTrustedNetworks: "Trusted networks",
}

// FieldLabel returns the editor's label for a profile key as the helper
// names it in api.Error.Field: "gateway" is "Gateway", "remote_ts[1]" is
// "Networks through the tunnel, line 2". An unknown key is returned as is.
func FieldLabel(field string) string {
	key, idx := field, -1
	if i := strings.IndexByte(field, '['); i > 0 && strings.HasSuffix(field, "]") {
		if n, err := strconv.Atoi(field[i+1 : len(field)-1]); err == nil {
			key, idx = field[:i], n
		}
	}
	l, ok := labels[key]
	if !ok {
		return field
	}
	if idx >= 0 {
		return l + ", line " + strconv.Itoa(idx+1)
	}
	return l
}
