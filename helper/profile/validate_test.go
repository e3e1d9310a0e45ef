package profile

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/internal/pkitest"
)

// testCertKey returns a self-signed certificate and its key, in PEM.
func testCertKey(t *testing.T) (certPEM, keyPEM string) {
	t.Helper()
	c := pkitest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "client.example.com"}}, pkitest.ECKey(t), nil)
	return pkitest.CertPEM(c.Cert), pkitest.KeyPEM(t, c.Key)
}

func validPSK() api.Profile {
	return api.Profile{Name: "work", Gateway: "vpn.example.com", Auth: api.AuthPSK, PSK: "correct horse"}
}

func TestValidateAccepts(t *testing.T) {
	cert, key := testCertKey(t)
	full := validPSK()
	full.Gateway = "[2001:db8::1]:4500"
	full.RemoteID = "vpn.example.com"
	full.LocalID = "alice@example.com"
	full.IKEProposals = []string{"aes256gcm16-prfsha384-x25519", "aes128-sha256-modp2048"}
	full.ESPProposals = []string{"aes256gcm16", "aes128-sha256"}
	full.RemoteTS = []string{"0.0.0.0/0", "::/0"}
	full.Exclude = []string{"192.0.2.0/24"}
	full.DNS = []string{"198.51.100.53", "2001:db8::53"}
	full.MTU = 1400
	full.FWMark = "0x42"
	full.DPD = "30s"
	full.NATKeepalive = "0s"

	for name, p := range map[string]api.Profile{
		"minimal psk":   validPSK(),
		"full psk":      full,
		"stored psk":    {Name: "a", Gateway: "192.0.2.1", Auth: api.AuthPSK, HasPSK: true},
		"cert":          {Name: "a", Gateway: "192.0.2.1:500", Auth: api.AuthCert, Cert: cert, Key: key, CA: cert},
		"cert paths":    {Name: "a", Gateway: "gw", Auth: api.AuthCert, CertFile: "/etc/espresso/c.pem", KeyFile: "/etc/espresso/k.pem"},
		"p12":           {Name: "a", Gateway: "gw", Auth: api.AuthEAPTLS, P12: "MIIB", P12Password: "x"},
		"eap no passwd": {Name: "a", Gateway: "gw", Auth: api.AuthEAPMSCHAPv2, Username: "alice"},
		"v4 small mtu":  {Name: "a", Gateway: "gw", Auth: api.AuthPSK, PSK: "k", RemoteTS: []string{"198.18.0.0/15"}, MTU: 576},
	} {
		if err := Validate(&p); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestValidateNamesTheField(t *testing.T) {
	_, key := testCertKey(t)
	tests := []struct {
		field string
		edit  func(p *api.Profile)
	}{
		{"name", func(p *api.Profile) { p.Name = "" }},
		{"name", func(p *api.Profile) { p.Name = "../etc" }},
		{"name", func(p *api.Profile) { p.Name = strings.Repeat("a", 65) }},
		{"gateway", func(p *api.Profile) { p.Gateway = "" }},
		{"gateway", func(p *api.Profile) { p.Gateway = "vpn.example.com:0" }},
		{"gateway", func(p *api.Profile) { p.Gateway = "vpn.example.com:99999" }},
		{"gateway", func(p *api.Profile) { p.Gateway = "bad_host!" }},
		{"gateway", func(p *api.Profile) { p.Gateway = "-a.example.com" }},
		{"remote_id", func(p *api.Profile) { p.RemoteID = "a\nb" }},
		{"local_id", func(p *api.Profile) { p.LocalID = strings.Repeat("x", 256) }},
		{"auth", func(p *api.Profile) { p.Auth = "" }},
		{"auth", func(p *api.Profile) { p.Auth = "xauth" }},
		{"psk", func(p *api.Profile) { p.PSK = "" }},
		{"psk", func(p *api.Profile) { p.Auth = api.AuthEAPMSCHAPv2; p.Username = "u" }},
		{"password", func(p *api.Profile) { p.Password = "x" }},
		{"cert", func(p *api.Profile) { p.PSK = ""; p.Auth = api.AuthCert; p.Key = key }},
		{"cert", func(p *api.Profile) {
			p.PSK = ""
			p.Auth = api.AuthCert
			p.Cert = "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"
			p.Key = key
		}},
		{"cert", func(p *api.Profile) { p.PSK = ""; p.Auth = api.AuthCert; p.Cert = "relative.pem"; p.Key = key }},
		{"key", func(p *api.Profile) {
			p.PSK = ""
			p.Auth = api.AuthCert
			p.CertFile = "/c.pem"
			p.Key = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
		}},
		{"ca", func(p *api.Profile) { p.CA = "ca.pem" }},
		{"p12", func(p *api.Profile) { p.PSK = ""; p.Auth = api.AuthEAPTLS; p.P12 = "not base64!" }},
		{"username", func(p *api.Profile) { p.PSK = ""; p.Auth = api.AuthEAPMSCHAPv2 }},
		{"ike_proposals[1]", func(p *api.Profile) { p.IKEProposals = []string{"aes256gcm16-prfsha384-x25519", "aes256gcm16"} }},
		{"esp_proposals[0]", func(p *api.Profile) { p.ESPProposals = []string{"nosuchcipher"} }},
		{"remote_ts[1]", func(p *api.Profile) { p.RemoteTS = []string{"0.0.0.0/0", "192.0.2.1"} }},
		{"remote_ts[0]", func(p *api.Profile) { p.RemoteTS = []string{"192.0.2.1/24"} }},
		{"exclude[0]", func(p *api.Profile) { p.Exclude = []string{"2001:db8::/129"} }},
		{"dns[0]", func(p *api.Profile) { p.DNS = []string{"ns.example.com"} }},
		{"allow_ungranted[0]", func(p *api.Profile) { p.AllowUngranted = []string{"inet6"} }},
		{"allow_ungranted[1]", func(p *api.Profile) { p.AllowUngranted = []string{"ipv6", "ipv6"} }},
		{"mtu", func(p *api.Profile) { p.MTU = 100 }},
		{"mtu", func(p *api.Profile) { p.MTU = 9001 }},
		{"mtu", func(p *api.Profile) { p.MTU = 1000 }}, // default selectors include ::/0
		{"fwmark", func(p *api.Profile) { p.FWMark = "mark" }},
		{"fwmark", func(p *api.Profile) { p.FWMark = "0" }},
		{"dpd", func(p *api.Profile) { p.DPD = "30" }},
		{"dpd", func(p *api.Profile) { p.DPD = "500ms" }},
		{"nat_keepalive", func(p *api.Profile) { p.NATKeepalive = "2h" }},
	}
	for _, tt := range tests {
		p := validPSK()
		tt.edit(&p)
		err := Validate(&p)
		var e *api.Error
		if !errors.As(err, &e) {
			t.Errorf("want error on %s, got %v", tt.field, err)
			continue
		}
		if e.Code != api.CodeInvalidProfile || e.Field != tt.field {
			t.Errorf("want field %s, got %s (%s)", tt.field, e.Field, e.Message)
		}
	}
}

func TestValidateNeverQuotesSecrets(t *testing.T) {
	secret := "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n"
	p := api.Profile{Name: "a", Gateway: "gw", Auth: api.AuthCert, CertFile: "/c.pem", Key: secret}
	err := Validate(&p)
	if err == nil {
		t.Fatal("broken key accepted")
	}
	if strings.Contains(err.Error(), "c2VjcmV0") {
		t.Error("the error message quotes the key")
	}
}

func TestSplitGateway(t *testing.T) {
	for in, want := range map[string]struct {
		host string
		port uint16
	}{
		"vpn.example.com":      {"vpn.example.com", 500},
		"vpn.example.com:4500": {"vpn.example.com", 4500},
		"192.0.2.1":            {"192.0.2.1", 500},
		"2001:db8::1":          {"2001:db8::1", 500},
		"[2001:db8::1]:4500":   {"2001:db8::1", 4500},
	} {
		h, p, err := SplitGateway(in)
		if err != nil || h != want.host || p != want.port {
			t.Errorf("SplitGateway(%q) = %q, %d, %v", in, h, p, err)
		}
	}
}

func TestInterval(t *testing.T) {
	for in, want := range map[string]Interval{"": IntervalDefault, "0s": IntervalOff, "1m": Interval(time.Minute)} {
		p := validPSK()
		p.DPD = in
		tp, err := Parse(&p)
		if err != nil || tp.DPD != want {
			t.Errorf("dpd %q: %v, %v; want %v", in, tp, err, want)
		}
	}
}
