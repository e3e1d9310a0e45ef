package explain

import (
	"strconv"
	"strings"
)

// labels are the names the profile editor shows for profile keys.
var labels = map[string]string{
	"name":          "Name",
	"gateway":       "Gateway",
	"remote_id":     "Gateway identity",
	"local_id":      "Your identity",
	"auth":          "Authentication",
	"psk":           "Pre-shared key",
	"cert":          "Certificate",
	"key":           "Private key",
	"p12":           "PKCS#12 bundle",
	"p12_password":  "PKCS#12 password",
	"username":      "User name",
	"password":      "Password",
	"ca":            "Gateway CA",
	"ike_proposals": "IKE proposals",
	"esp_proposals": "ESP proposals",
	"remote_ts":     "Networks through the tunnel",
	"exclude":       "Networks outside the tunnel",
	"dns":           "DNS servers",
	"mtu":           "MTU",
	"on_demand":     "Connect on demand",
	"kill_switch":   "Kill switch",
	"block_outside": "Block outside the tunnel",
	"fwmark":        "Firewall mark",
	"dpd":           "Dead peer detection",
	"nat_keepalive": "NAT keepalive",
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
