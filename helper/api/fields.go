package api

import "strconv"

// The keys of a profile's fields, as in Profile's JSON and in Error.Field.
// Code that names a field (an error, a label, an editor's entry) uses
// these, so a key is spelt in one place.
const (
	FieldName         = "name"
	FieldGateway      = "gateway"
	FieldRemoteID     = "remote_id"
	FieldLocalID      = "local_id"
	FieldAuth         = "auth"
	FieldPSK          = "psk"
	FieldCert         = "cert"
	FieldKey          = "key"
	FieldP12          = "p12"
	FieldP12Password  = "p12_password"
	FieldUsername     = "username"
	FieldPassword     = "password"
	FieldCA           = "ca"
	FieldCertFile     = "cert_file"
	FieldKeyFile      = "key_file"
	FieldCAFile       = "ca_file"
	FieldP12File      = "p12_file"
	FieldOwner        = "owner"
	FieldShared       = "shared"
	FieldIKEProposals = "ike_proposals"
	FieldESPProposals = "esp_proposals"
	FieldRemoteTS     = "remote_ts"
	FieldExclude      = "exclude"
	FieldDNS          = "dns"
	FieldDNSDomains   = "dns_domains"
	FieldMTU          = "mtu"
	FieldOnDemand     = "on_demand"
	FieldRawESP       = "raw_esp"
	FieldAllowPeerTS  = "allow_peer_ts"
	FieldFWMark       = "fwmark"
	FieldKillSwitch   = "kill_switch"
	FieldBlockOutside = "block_outside"
	FieldDPD          = "dpd"
	FieldNATKeepalive = "nat_keepalive"

	FieldAllowUngranted  = "allow_ungranted"
	FieldAutoConnect     = "auto_connect"
	FieldTrustedNetworks = "trusted_networks"
)

// FieldAt names the entry i of a list field: FieldAt(FieldRemoteTS, 1)
// is "remote_ts[1]".
func FieldAt(field string, i int) string {
	return field + "[" + strconv.Itoa(i) + "]"
}
