package profile

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"net/netip"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
)

func TestParseTypes(t *testing.T) {
	cert, key := testCertKey(t)
	p := api.Profile{
		Name: "work", Gateway: "[2001:db8::1]:4500", Auth: api.AuthCert, Cert: cert, Key: key, CAFile: "/etc/espresso/ca.pem",
		IKEProposals: []string{"aes256gcm16-prfsha384-x25519"}, ESPProposals: []string{"aes256gcm16", "aes128-sha256"},
		RemoteTS: []string{"198.51.100.0/24", "2001:db8:1::/48"}, Exclude: []string{"198.51.100.7/32"},
		DNS: []string{"198.51.100.53"}, MTU: 1300, FWMark: "0x2a", DPD: "30s", NATKeepalive: "0s",
		AllowPeerTS: true, BlockOutside: true,
	}
	tp, err := Parse(&p)
	if err != nil {
		t.Fatal(err)
	}
	if tp.Gateway != (Gateway{Host: "2001:db8::1", Addr: netip.MustParseAddr("2001:db8::1"), Port: 4500}) {
		t.Errorf("gateway %+v", tp.Gateway)
	}
	if tp.Auth != AuthCert || !tp.Auth.UsesCert() || tp.Auth.UsesPassword() {
		t.Errorf("auth %v", tp.Auth)
	}
	if tp.Cert.IsFile() || string(tp.Cert.Data) != cert || tp.Key.IsFile() || !tp.CA.IsFile() || tp.CA.Path != "/etc/espresso/ca.pem" || !tp.P12.IsZero() {
		t.Errorf("sources: cert %v key %v ca %+v p12 %+v", tp.Cert.IsFile(), tp.Key.IsFile(), tp.CA, tp.P12)
	}
	if len(tp.IKEProposals) != 1 || len(tp.ESPProposals) != 2 {
		t.Errorf("proposals %v %v", tp.IKEProposals, tp.ESPProposals)
	}
	wantTS := []netip.Prefix{netip.MustParsePrefix("198.51.100.0/24"), netip.MustParsePrefix("2001:db8:1::/48")}
	if !slices.Equal(tp.RemoteTS, wantTS) || !slices.Equal(tp.Selectors(), wantTS) {
		t.Errorf("remote_ts %v, selectors %v", tp.RemoteTS, tp.Selectors())
	}
	if !slices.Equal(tp.Exclude, []netip.Prefix{netip.MustParsePrefix("198.51.100.7/32")}) || !slices.Equal(tp.DNS, []netip.Addr{netip.MustParseAddr("198.51.100.53")}) {
		t.Errorf("exclude %v dns %v", tp.Exclude, tp.DNS)
	}
	if tp.TunnelMTU() != 1300 || tp.FWMark != 0x2a || tp.DPD != Interval(30*time.Second) || tp.NATKeepalive != IntervalOff {
		t.Errorf("mtu %d fwmark %#x dpd %v keepalive %v", tp.TunnelMTU(), tp.FWMark, tp.DPD, tp.NATKeepalive)
	}
	if !tp.Guarded() || tp.RemoteIdentity() != "2001:db8::1" {
		t.Errorf("guarded %v, remote identity %q", tp.Guarded(), tp.RemoteIdentity())
	}
}

func TestParseDefaults(t *testing.T) {
	p := api.Profile{Name: "a", Gateway: "vpn.example.com", Auth: api.AuthEAPMSCHAPv2, LocalID: "alice@example.com"}
	tp, err := Parse(&p)
	if err != nil {
		t.Fatal(err)
	}
	if tp.Gateway.Addr.IsValid() || tp.Gateway.Port != DefaultPort || tp.RemoteIdentity() != "vpn.example.com" {
		t.Errorf("gateway %+v, remote identity %q", tp.Gateway, tp.RemoteIdentity())
	}
	if len(tp.Selectors()) != 2 || tp.Selectors()[0].Bits() != 0 || tp.RemoteTS != nil {
		t.Errorf("selectors %v, remote_ts %v", tp.Selectors(), tp.RemoteTS)
	}
	if tp.TunnelMTU() != DefaultMTU || tp.DPD != IntervalDefault || tp.NATKeepalive != IntervalDefault || tp.FWMark != 0 {
		t.Errorf("defaults: mtu %d dpd %v keepalive %v fwmark %d", tp.TunnelMTU(), tp.DPD, tp.NATKeepalive, tp.FWMark)
	}
	if tp.EAPIdentity() != "alice@example.com" || tp.Guarded() {
		t.Errorf("eap identity %q, guarded %v", tp.EAPIdentity(), tp.Guarded())
	}
	if a := "192.0.2.1"; func() netip.Addr {
		q := p
		q.Gateway = "[::ffff:" + a + "]:4500"
		tq, err := Parse(&q)
		if err != nil {
			t.Fatal(err)
		}
		return tq.Gateway.Addr
	}() != netip.MustParseAddr(a) {
		t.Error("a v4-mapped gateway address is not unmapped")
	}
}

// TestCheckReportsEveryProblem: Check lists each broken rule with its
// field, its list index and whether the field is just missing.
func TestCheckReportsEveryProblem(t *testing.T) {
	p := api.Profile{
		Gateway: "vpn.example.com:0", Auth: api.AuthPSK,
		RemoteTS: []string{"198.51.100.0/24", "198.51.100.1/24", "lan"}, DNS: []string{"ns"}, MTU: 1000, DPD: "1ms",
	}
	var got []string
	for _, pr := range Check(&p) {
		got = append(got, pr.Name())
		if pr.Missing != (pr.Field == api.FieldName || pr.Field == api.FieldPSK) {
			t.Errorf("%s: missing %v", pr.Name(), pr.Missing)
		}
		if e := pr.APIError(); e.Field != pr.Name() || e.Code != api.CodeInvalidProfile {
			t.Errorf("%s: api error %+v", pr.Name(), e)
		}
	}
	want := []string{"name", "gateway", "psk", "remote_ts[1]", "remote_ts[2]", "dns[0]", "dpd"}
	if !slices.Equal(got, want) {
		t.Errorf("problems %q, want %q", got, want)
	}
	// The MTU rule for IPv6 follows the selectors that parsed: none is
	// IPv6 here, so 1000 passes.
	_, err := Parse(&p)
	var e *api.Error
	if !errors.As(err, &e) || e.Field != "name" {
		t.Errorf("Parse: %v, want the first problem", err)
	}
	if c := Check(&api.Profile{Name: "a", Gateway: "gw", Auth: api.AuthPSK, PSK: "k"}); len(c) != 0 {
		t.Errorf("a valid profile: %v", c)
	}
}

func TestParseRuleReasons(t *testing.T) {
	for _, tc := range []struct {
		edit   func(*api.Profile)
		field  string
		reason string
	}{
		{func(p *api.Profile) { p.Name = "my vpn" }, "name", "use up to 64 letters"},
		{func(p *api.Profile) { p.RemoteTS = []string{"10.1.2.3/16"} }, "remote_ts[0]", `"10.1.2.3/16" has host bits set; did you mean 10.1.0.0/16?`},
		{func(p *api.Profile) { p.Exclude = []string{"lan"} }, "exclude[0]", `"lan" is not a network such as 192.0.2.0/24`},
		{func(p *api.Profile) { p.IKEProposals = []string{"aes256-foo-x25519"} }, "ike_proposals[0]", `"foo": unknown or unsupported algorithm`},
		{func(p *api.Profile) { p.MTU = 100 }, "mtu", "100 is outside 576 to 9000"},
		{func(p *api.Profile) { p.DNSDomains = []string{"corp.example", "a b"} }, "dns_domains[1]", `domain "a b": only letters, digits`},
		{func(p *api.Profile) { p.DNSDomains = []string{"corp.example", "Corp.Example."} }, "dns_domains[1]", `domain "Corp.Example." is given twice`},
		{func(p *api.Profile) { p.DNSDomains = []string{"."} }, "dns_domains[0]", `domain ".": not a DNS name`},
		{func(p *api.Profile) { p.DNSDomains = []string{"~corp.example"} }, "dns_domains[0]", `domain "~corp.example": only letters`},
		{func(p *api.Profile) { p.DNSDomains = make([]string, 33) }, "dns_domains", "33 domains; at most 32 are allowed"},
		{func(p *api.Profile) { p.TrustedNetworks = []string{"prefix:192.0.2.0/24", "prefix:192.0.2.1/24"} }, "trusted_networks[1]", `prefix: "192.0.2.1/24" has host bits set; did you mean 192.0.2.0/24?`},
		{func(p *api.Profile) { p.TrustedNetworks = []string{"gateway-mac:00:00:5e:00:53"} }, "trusted_networks[0]", `gateway-mac: "00:00:5e:00:53" is not an Ethernet address`},
		{func(p *api.Profile) { p.TrustedNetworks = []string{"dns-suffix:a b"} }, "trusted_networks[0]", `dns-suffix: domain "a b": only letters`},
		{func(p *api.Profile) { p.TrustedNetworks = []string{"ssid:Office"} }, "trusted_networks[0]", "SSIDs cannot be matched"},
		{func(p *api.Profile) { p.TrustedNetworks = []string{"192.0.2.0/24"} }, "trusted_networks[0]", "use dns-suffix:DOMAIN, prefix:NETWORK or gateway-mac:MAC"},
		{func(p *api.Profile) {
			p.TrustedNetworks = []string{"dns-suffix:Corp.Example", "DNS-SUFFIX:corp.example."}
		}, "trusted_networks[1]", `"DNS-SUFFIX:corp.example." is given twice`},
		{func(p *api.Profile) { p.TrustedNetworks = make([]string, 33) }, "trusted_networks", "33 networks; at most 32 are allowed"},
		{func(p *api.Profile) { p.AllowUngranted = []string{"IPv6"} }, "allow_ungranted[0]", `"IPv6" is not an address family: use "ipv4" or "ipv6"`},
		{func(p *api.Profile) { p.CA = "-----BEGIN CERTIFICATE-----\nnot base64" }, "ca", "no complete PEM certificate block"},
		{func(p *api.Profile) { p.Auth, p.PSK, p.CertFile = api.AuthCert, "", "/c.pem" }, "key", `auth "cert" needs cert and key, or p12`},
	} {
		p := validPSK()
		tc.edit(&p)
		ps := Check(&p)
		if len(ps) != 1 || ps[0].Name() != tc.field || len(ps[0].Reason) < len(tc.reason) || ps[0].Reason[:len(tc.reason)] != tc.reason {
			t.Errorf("%s: problems %v, want one starting %q", tc.field, ps, tc.reason)
		}
		if want := tc.field == "remote_ts[0]"; len(ps) == 1 && (ps[0].Suggest == "10.1.0.0/16") != want {
			t.Errorf("%s: suggests %q", tc.field, ps[0].Suggest)
		}
	}
}

// TestRoundTrip: a typed profile written back in the API's shape parses
// to the same value, and a profile already in canonical spelling comes
// back unchanged.
func TestRoundTrip(t *testing.T) {
	cert, key := testCertKey(t)
	canonical := []api.Profile{
		validPSK(),
		{Name: "full", Gateway: "[2001:db8::1]:4500", RemoteID: "vpn.example.com", LocalID: "alice@example.com", Auth: api.AuthCert,
			Cert: cert, Key: key, CAFile: "/etc/espresso/ca.pem",
			IKEProposals: []string{"aes256gcm16-prfsha384-x25519"}, ESPProposals: []string{"aes256gcm16-noesn"},
			RemoteTS: []string{"0.0.0.0/0", "::/0"}, Exclude: []string{"192.0.2.0/24"}, AllowUngranted: []string{"ipv4", "ipv6"}, DNS: []string{"198.51.100.53", "2001:db8::53"},
			DNSDomains: []string{"corp.example", "lab.corp.example"},
			MTU:        1400, FWMark: "0x42", DPD: "30s", NATKeepalive: "0s", OnDemand: true, RawESP: true, AllowPeerTS: true, KillSwitch: true},
		{Name: "p12", Gateway: "192.0.2.1:4500", Auth: api.AuthEAPTLS, P12: base64.StdEncoding.EncodeToString([]byte{0x30, 1, 2}), P12Password: "x"},
		{Name: "p12file", Gateway: "vpn.example.com", Auth: api.AuthEAPTLS, P12File: "/etc/espresso/me.p12"},
		{Name: "eap", Gateway: "vpn.example.com:4500", Auth: api.AuthEAPMSCHAPv2, Username: "alice", Password: "pw", BlockOutside: true},
		{Name: "always", Gateway: "vpn.example.com", Auth: api.AuthPSK, PSK: "k", AutoConnect: true, KillSwitch: true,
			TrustedNetworks: []string{"dns-suffix:corp.example", "prefix:192.0.2.0/24", "prefix:2001:db8::/32", "gateway-mac:00:00:5e:00:53:01"}},
	}
	for _, p := range canonical {
		tp, err := Parse(&p)
		if err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
		back := tp.API()
		if !reflect.DeepEqual(back, p) {
			t.Errorf("%s: back %+v\nwant %+v", p.Name, back, p)
		}
		again, err := Parse(&back)
		if err != nil || !reflect.DeepEqual(again, tp) {
			t.Errorf("%s: parsed again %+v, %v", p.Name, again, err)
		}
	}
	// Other spellings come back canonical.
	p := validPSK()
	p.Gateway, p.FWMark, p.ESPProposals = "vpn.example.com:500", "66", []string{"aes256gcm16"}
	p.DNSDomains = []string{"Corp.Example."}
	tp, err := Parse(&p)
	if err != nil {
		t.Fatal(err)
	}
	if b := tp.API(); b.Gateway != "vpn.example.com" || b.FWMark != "0x42" || !slices.Equal(b.ESPProposals, []string{"aes256gcm16-noesn"}) || !slices.Equal(b.DNSDomains, []string{"corp.example"}) {
		t.Errorf("canonical gateway %q, fwmark %q, esp_proposals %q, dns_domains %q", b.Gateway, b.FWMark, b.ESPProposals, b.DNSDomains)
	}
}

// TestSourcesLoad: a credential loads from inline PEM, from files and
// from a PKCS#12 bundle; a file is read at each load.
func TestSourcesLoad(t *testing.T) {
	certPEM, keyPEM := testCertKey(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := os.WriteFile(certFile, []byte(certPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(keyPEM), 0o600); err != nil {
		t.Fatal(err)
	}
	b, _ := pem.Decode([]byte(certPEM))
	leaf, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	kb, _ := pem.Decode([]byte(keyPEM))
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	pfx, err := pkcs12.Modern.Encode(k, leaf, nil, "right")
	if err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]api.Profile{
		"inline": {Name: "a", Gateway: "gw", Auth: api.AuthCert, Cert: certPEM, Key: keyPEM, CA: certPEM},
		"files":  {Name: "a", Gateway: "gw", Auth: api.AuthCert, CertFile: certFile, KeyFile: keyFile, CAFile: certFile},
		"p12":    {Name: "a", Gateway: "gw", Auth: api.AuthEAPTLS, P12: base64.StdEncoding.EncodeToString(pfx), P12Password: "right", CA: certPEM},
	} {
		tp, err := Parse(&p)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		c, err := tp.Credential()
		if err != nil || !c.Leaf().Equal(leaf) {
			t.Errorf("%s: credential %v", name, err)
		}
		cas, err := tp.CAs()
		if err != nil || len(cas) != 1 {
			t.Errorf("%s: %d CAs, %v", name, len(cas), err)
		}
		if name == "p12" {
			tp.P12Password = NewSecret("wrong")
			if _, err := tp.Credential(); !errors.Is(err, creds.ErrWrongPassword) {
				t.Errorf("wrong PKCS#12 password: %v", err)
			}
		}
	}
	p := api.Profile{Name: "a", Gateway: "gw", Auth: api.AuthCert, CertFile: certFile, KeyFile: keyFile}
	tp, err := Parse(&p)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(keyFile); err != nil {
		t.Fatal(err)
	}
	if _, err := tp.Credential(); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a key file removed after parsing: %v", err)
	}
	if cas, err := tp.CAs(); cas != nil || err != nil {
		t.Errorf("no CA: %v, %v", cas, err)
	}
}
