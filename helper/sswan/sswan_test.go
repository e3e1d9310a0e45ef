package sswan

import (
	"encoding/base64"
	"encoding/pem"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
)

const uuid = `"uuid": "d9ab35a1-8f4b-4d6c-9a52-3b8c5a3f7e01"`

func TestConvertEAPFull(t *testing.T) {
	ca, err := os.ReadFile("testdata/ca.crt")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode(ca)
	der := base64.StdEncoding.EncodeToString(b.Bytes)
	data := `{` + uuid + `,
		"name": "Work VPN (EAP)",
		"type": "ikev2-eap",
		"remote": {"addr": "vpn.example.com", "port": 4500, "id": "gw.example.com", "cert": "` + der + `",
			"certreq": true, "revocation": {"crl": false, "ocsp": true}},
		"local": {"eap_id": "alice", "id": "alice@example.com"},
		"ike-proposal": "aes256gcm16-prfsha384-ecp384",
		"esp-proposal": "aes256gcm16",
		"dns-servers": "198.51.100.53 2001:db8::53",
		"mtu": 1380,
		"nat-keepalive": 25,
		"split-tunneling": {"subnets": ["198.51.100.0/24", "192.0.2.10 - 192.0.2.20", "2001:db8::1"],
			"excluded": "203.0.113.0/24"}
	}`
	p, err := Convert([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := api.Profile{
		Name:         "Work-VPN-EAP",
		Gateway:      "vpn.example.com:4500",
		RemoteID:     "gw.example.com",
		LocalID:      "alice@example.com",
		Auth:         api.AuthEAPMSCHAPv2,
		Username:     "alice",
		IKEProposals: []string{"aes256gcm16-prfsha384-ecp384"},
		ESPProposals: []string{"aes256gcm16"},
		DNS:          []string{"198.51.100.53", "2001:db8::53"},
		MTU:          1380,
		NATKeepalive: "25s",
		RemoteTS: []string{"198.51.100.0/24", "192.0.2.10/31", "192.0.2.12/30", "192.0.2.16/30",
			"192.0.2.20/32", "2001:db8::1/128"},
		Exclude: []string{"203.0.113.0/24"},
	}
	got := p
	got.CA = ""
	if !equal(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
	cb, _ := pem.Decode([]byte(p.CA))
	if cb == nil || !slices.Equal(cb.Bytes, b.Bytes) {
		t.Error("remote.cert did not become the CA in PEM")
	}
	if err := profile.Validate(&p); err != nil {
		t.Errorf("converted profile does not validate: %v", err)
	}
}

func equal(a, b api.Profile) bool {
	return a.Name == b.Name && a.Gateway == b.Gateway && a.RemoteID == b.RemoteID &&
		a.LocalID == b.LocalID && a.Auth == b.Auth && a.Username == b.Username &&
		slices.Equal(a.IKEProposals, b.IKEProposals) && slices.Equal(a.ESPProposals, b.ESPProposals) &&
		slices.Equal(a.DNS, b.DNS) && a.MTU == b.MTU && a.NATKeepalive == b.NATKeepalive &&
		slices.Equal(a.RemoteTS, b.RemoteTS) && slices.Equal(a.Exclude, b.Exclude)
}

func TestConvertCert(t *testing.T) {
	p12 := base64.StdEncoding.EncodeToString([]byte("pkcs12 bundle bytes"))
	for typ, auth := range map[string]string{"ikev2-cert": api.AuthCert, "ikev2-eap-tls": api.AuthEAPTLS} {
		data := `{` + uuid + `, "name": "c", "type": "` + typ + `",
			"remote": {"addr": "2001:db8::1"}, "local": {"id": "client.example.com", "p12": "` + p12 + `"}}`
		p, err := Convert([]byte(data))
		if err != nil {
			t.Fatalf("%s: %v", typ, err)
		}
		if p.Auth != auth || p.P12 != p12 || p.LocalID != "client.example.com" || p.Gateway != "2001:db8::1" {
			t.Errorf("%s: auth %s, gateway %s, local_id %s, p12 kept %v", typ, p.Auth, p.Gateway, p.LocalID, p.P12 == p12)
		}
		if err := profile.Validate(&p); err != nil {
			t.Errorf("%s: %v", typ, err)
		}
	}
}

func TestConvertRefuses(t *testing.T) {
	base := func(rest string) string {
		return `{` + uuid + `, "name": "n", "type": "ikev2-eap", "remote": {"addr": "192.0.2.1"}, "local": {"eap_id": "u"}` + rest + `}`
	}
	tests := []struct {
		field string
		data  string
	}{
		{"file", `{`},
		{"file", base(`, "unknown-key": 1`)},
		{"uuid", `{"name": "n", "type": "ikev2-eap", "remote": {"addr": "192.0.2.1"}}`},
		{"type", `{` + uuid + `, "type": "ikev2-cert-eap", "remote": {"addr": "192.0.2.1"}}`},
		{"type", `{` + uuid + `, "type": "ikev2-byod-eap", "remote": {"addr": "192.0.2.1"}}`},
		{"type", `{` + uuid + `, "type": "ikev2-psk", "remote": {"addr": "192.0.2.1"}}`},
		{"remote.addr", `{` + uuid + `, "type": "ikev2-eap", "remote": {}}`},
		{"remote.port", `{` + uuid + `, "type": "ikev2-eap", "remote": {"addr": "a", "port": 70000}}`},
		{"remote.cert", `{` + uuid + `, "type": "ikev2-eap", "remote": {"addr": "a", "cert": "!!"}}`},
		{"remote.certreq", `{` + uuid + `, "type": "ikev2-eap", "remote": {"addr": "a", "certreq": false}}`},
		{"remote.revocation.strict", `{` + uuid + `, "type": "ikev2-eap", "remote": {"addr": "a", "revocation": {"strict": true}}}`},
		{"local.eap_id", `{` + uuid + `, "type": "ikev2-eap", "remote": {"addr": "a"}}`},
		{"local.p12", `{` + uuid + `, "type": "ikev2-cert", "remote": {"addr": "a"}, "local": {"id": "x"}}`},
		{"local.rsa-pss", `{` + uuid + `, "type": "ikev2-cert", "remote": {"addr": "a"}, "local": {"p12": "AAAA", "rsa-pss": true}}`},
		{"dns-servers", base(`, "dns-servers": "ns.example.com"`)},
		{"apps", base(`, "apps": ["com.example"]`)},
		{"apps", base(`, "excluded-apps": ["com.example"]`)},
		{"proxy", base(`, "proxy": {"host": "192.0.2.9", "port": 8080}`)},
		{"split-tunneling.block-ipv6", base(`, "split-tunneling": {"block-ipv6": true}`)},
		{"split-tunneling.block-ipv4", base(`, "split-tunneling": {"block-ipv4": true, "subnets": "10.0.0.0/8"}`)},
		{"split-tunneling.excluded", base(`, "split-tunneling": {"block-ipv4": true, "block-ipv6": true, "excluded": "192.168.0.0/16"}`)},
		{"split-tunneling.subnets", base(`, "split-tunneling": {"subnets": ["192.0.2.9-192.0.2.1"]}`)},
		{"split-tunneling.excluded", base(`, "split-tunneling": {"excluded": "banana"}`)},
		{"nat-keepalive", base(`, "nat-keepalive": -1`)},
	}
	for _, tt := range tests {
		_, err := Convert([]byte(tt.data))
		var e *api.Error
		if !errors.As(err, &e) || e.Field != tt.field {
			t.Errorf("want refusal of %s, got %v", tt.field, err)
		}
	}
}

// Blocking both families outside the tunnel is block_outside, which
// implies the kill switch; the tunnel's own subnets stay as they are.
func TestConvertBlockBothFamilies(t *testing.T) {
	data := `{` + uuid + `, "name": "n", "type": "ikev2-eap", "remote": {"addr": "192.0.2.1"}, "local": {"eap_id": "u"},
		"split-tunneling": {"subnets": "10.0.0.0/8 2001:db8::/32", "block-ipv4": true, "block-ipv6": true}}`
	p, err := Convert([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	if !p.BlockOutside || !p.KillSwitch || strings.Join(p.RemoteTS, ",") != "10.0.0.0/8,2001:db8::/32" || len(p.Exclude) != 0 {
		t.Errorf("block_outside %v, kill_switch %v, remote_ts %v, exclude %v", p.BlockOutside, p.KillSwitch, p.RemoteTS, p.Exclude)
	}
	p.Password = "pw"
	if err := profile.Validate(&p); err != nil {
		t.Errorf("the helper refuses the result: %v", err)
	}
	// Without the flags nothing is blocked.
	p, err = Convert([]byte(`{` + uuid + `, "name": "n", "type": "ikev2-eap", "remote": {"addr": "192.0.2.1"}, "local": {"eap_id": "u"},
		"split-tunneling": {"excluded": "192.168.0.0/16", "block-ipv4": false, "block-ipv6": false}}`))
	if err != nil || p.BlockOutside || p.KillSwitch || strings.Join(p.Exclude, ",") != "192.168.0.0/16" {
		t.Errorf("no blocks: %+v, %v", p.Redacted(), err)
	}
}

func TestRangePrefixes(t *testing.T) {
	got, err := toPrefixes("k", []string{"0.0.0.0-255.255.255.255", "2001:db8::-2001:db8::ffff", "192.0.2.7-192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"0.0.0.0/0", "2001:db8::/112", "192.0.2.7/32"}
	if !slices.Equal(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

func TestProfileName(t *testing.T) {
	for in, want := range map[[2]string]string{
		{"My VPN", "gw"}:                "My-VPN",
		{"", "vpn.example.com"}:         "vpn.example.com",
		{"***", "2001:db8::1"}:          "2001-db8-1",
		{strings.Repeat("x", 80), "gw"}: strings.Repeat("x", 64),
		{"Büro", "gw"}:                  "B-ro",
	} {
		if got := profileName(in[0], in[1]); got != want || !profile.ValidName(got) {
			t.Errorf("profileName(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
}

func FuzzConvert(f *testing.F) {
	f.Add([]byte(`{` + uuid + `, "name": "n", "type": "ikev2-eap", "remote": {"addr": "192.0.2.1"}, "local": {"eap_id": "u"}, "split-tunneling": {"subnets": "192.0.2.0-192.0.2.200"}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := Convert(data)
		if err == nil && !profile.ValidName(p.Name) {
			t.Errorf("invalid name %q", p.Name)
		}
	})
}
