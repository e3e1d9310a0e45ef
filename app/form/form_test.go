package form

import (
	"strings"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
)

func valid() Form {
	return Form{Name: "work", Gateway: "vpn.example.com", Auth: api.AuthPSK, PSK: "secret"}
}

func TestCheckNamesTheField(t *testing.T) {
	tests := []struct {
		edit func(*Form)
		key  string
		msg  string
	}{
		{func(f *Form) { f.Name = "" }, "name", "Name: enter a name"},
		{func(f *Form) { f.Name = "my vpn" }, "name", "Name: use up to 64"},
		{func(f *Form) { f.Gateway = "" }, "gateway", "Gateway: enter the gateway's host name"},
		{func(f *Form) { f.Gateway = "vpn example" }, "gateway", `Gateway: "vpn example" is neither a host name nor an IP address`},
		{func(f *Form) { f.Gateway = "192.0.2.1:70000" }, "gateway", "Gateway: port"},
		{func(f *Form) { f.PSK = "" }, "psk", "Pre-shared key: enter the key"},
		{func(f *Form) { f.Auth = api.AuthEAPMSCHAPv2 }, "username", "User name: enter your user name"},
		{func(f *Form) { f.Auth = api.AuthCert; f.Key = "/etc/k.pem" }, "cert", "Certificate: paste your certificate"},
		{func(f *Form) { f.Auth = api.AuthCert; f.Cert = "/etc/c.pem"; f.Key = "relative.key" }, "key", "Private key: neither PEM text nor an absolute path"},
		{func(f *Form) { f.CA = "-----BEGIN CERTIFICATE-----\nnot base64" }, "ca", "Gateway CA: no complete PEM certificate block"},
		{func(f *Form) { f.IKEProposals = "aes256gcm16-prfsha384-x25519\naes256-foo-x25519" }, "ike_proposals", `IKE proposals: line 2: "foo": unknown or unsupported algorithm`},
		{func(f *Form) { f.IKEProposals = "aes256gcm16-prfsha384" }, "ike_proposals", "IKE proposals: line 1: a key exchange method is needed"},
		{func(f *Form) { f.ESPProposals = "aes128gcm16-prfsha256" }, "esp_proposals", `ESP proposals: line 1: "prfsha256": a PRF has no place in an ESP proposal`},
		{func(f *Form) { f.RemoteTS = "10.0.0.0/8, 10.1.2.3/16" }, "remote_ts", "Networks through the tunnel: line 2: did you mean 10.1.0.0/16?"},
		{func(f *Form) { f.Exclude = "lan" }, "exclude", `Networks outside the tunnel: line 1: "lan" is not a network`},
		{func(f *Form) { f.DNS = "198.51.100.1\nns.example.com" }, "dns", `DNS servers: line 2: "ns.example.com" is not an IP address`},
		{func(f *Form) { f.DNSDomains = "corp.example\ncorp example" }, "dns_domains", `DNS domains: line 2: domain "corp example": only letters`},
		{func(f *Form) { f.MTU = "big" }, "mtu", `MTU: "big" is not a number`},
		{func(f *Form) { f.MTU = "100" }, "mtu", "MTU: 100 is outside 576 to 9000"},
		{func(f *Form) { f.MTU = "1000" }, "mtu", "MTU: 1000 is below 1280"},
		{func(f *Form) { f.LocalID = "a\x00b" }, "local_id", "Your identity: contains a control character"},
	}
	for _, tc := range tests {
		f := valid()
		tc.edit(&f)
		ps := Check(f, Stored{})
		msg, ok := ps[tc.key]
		if !ok || !strings.HasPrefix(msg, tc.msg) {
			t.Errorf("%s: problems = %q, want %s starting %q", tc.key, ps, tc.key, tc.msg)
		}
		if len(ps) != 1 {
			t.Errorf("%s: more than one problem: %q", tc.key, ps)
		}
	}
	f := valid()
	f.MTU = "1000"
	f.RemoteTS = "10.0.0.0/8"
	if ps := Check(f, Stored{}); len(ps) != 0 {
		t.Errorf("an IPv4-only tunnel with MTU 1000: %q", ps)
	}
	if ps := Check(valid(), Stored{}); len(ps) != 0 {
		t.Errorf("valid form: %q", ps)
	}
}

func TestEditingKeepsStoredSecrets(t *testing.T) {
	stored := Stored{Profile: api.Profile{Name: "work", Gateway: "192.0.2.1", Auth: api.AuthPSK, HasPSK: true,
		KillSwitch: true, DPD: "10s", RemoteTS: []string{"198.51.100.0/24"}}}
	f := FromProfile(stored.Profile)
	if f.PSK != "" || f.RemoteTS != "198.51.100.0/24" {
		t.Fatalf("form = %+v", f)
	}
	if ps := Check(f, stored); len(ps) != 0 {
		t.Fatalf("a stored PSK does not count: %q", ps)
	}
	p := f.Profile(stored)
	if !p.HasPSK || p.PSK != "" || !p.KillSwitch || p.DPD != "10s" {
		t.Errorf("profile = %+v", p)
	}
	// Switching to EAP drops the PSK and needs a user name.
	f.Auth = api.AuthEAPMSCHAPv2
	if ps := Check(f, stored); ps["username"] == "" {
		t.Errorf("EAP without user: %q", ps)
	}
	f.Username = "alice"
	p = f.Profile(stored)
	if p.HasPSK || p.PSK != "" || p.Username != "alice" {
		t.Errorf("after switching to EAP: has_psk=%v user=%q", p.HasPSK, p.Username)
	}
	// A new key replaces the stored one.
	f = FromProfile(stored.Profile)
	f.PSK = "new"
	if p = f.Profile(stored); p.PSK != "new" {
		t.Error("typed PSK not sent")
	}
}

func TestLinesAndDefaults(t *testing.T) {
	if got := Lines(" a, b\n\n c \r\n"); strings.Join(got, "|") != "a|b|c" {
		t.Errorf("Lines = %q", got)
	}
	if Lines("  \n") != nil {
		t.Error("blank list is not nil")
	}
	if d := DefaultProposals(false); !strings.HasPrefix(d, "aes256gcm16") || !strings.Contains(d, "\n") {
		t.Errorf("default IKE proposals = %q", d)
	}
	for _, l := range Lines(DefaultProposals(true)) {
		f := valid()
		f.ESPProposals = l
		if ps := Check(f, Stored{}); len(ps) != 0 {
			t.Errorf("default ESP proposal %q refused: %q", l, ps)
		}
	}
}

// block_outside implies the kill switch, both ways through the form, and
// neither setting is a problem for Check.
func TestKillSwitchSettings(t *testing.T) {
	f := valid()
	f.BlockOutside = true
	if ps := Check(f, Stored{}); len(ps) != 0 {
		t.Errorf("problems = %v", ps)
	}
	p := f.Profile(Stored{})
	if !p.BlockOutside || !p.KillSwitch {
		t.Errorf("block_outside %v, kill_switch %v", p.BlockOutside, p.KillSwitch)
	}
	back := FromProfile(api.Profile{Name: "w", Gateway: "192.0.2.1", Auth: api.AuthPSK, BlockOutside: true})
	if !back.KillSwitch || !back.BlockOutside {
		t.Errorf("from a profile with block_outside alone: %+v", back)
	}
	f = valid()
	f.KillSwitch = true
	if p := f.Profile(Stored{}); !p.KillSwitch || p.BlockOutside {
		t.Errorf("kill switch alone: kill_switch %v, block_outside %v", p.KillSwitch, p.BlockOutside)
	}
	// Clearing both in the editor clears a stored profile's settings.
	stored := Stored{Profile: api.Profile{Name: "work", Gateway: "vpn.example.com", Auth: api.AuthPSK, HasPSK: true, KillSwitch: true, BlockOutside: true}}
	f = FromProfile(stored.Profile)
	f.KillSwitch, f.BlockOutside = false, false
	if p := f.Profile(stored); p.KillSwitch || p.BlockOutside {
		t.Errorf("cleared: kill_switch %v, block_outside %v", p.KillSwitch, p.BlockOutside)
	}
	for _, h := range []string{KillSwitchHint, BlockOutsideHint} {
		if !strings.HasPrefix(h, "Linux only.") {
			t.Errorf("hint does not say the setting is Linux-only: %q", h)
		}
	}
}

// A path typed in a certificate field goes out as the file's content,
// read by Inline; a path root stored stays a path for the helper.
func TestInlineReadsTypedPaths(t *testing.T) {
	f := valid()
	f.Auth, f.PSK = api.AuthCert, ""
	f.Cert, f.Key, f.CA = "/home/u/c.pem", "/home/u/k.pem", "/etc/espresso/ca.pem"
	s := Stored{Profile: api.Profile{Name: "work", CAFile: "/etc/espresso/ca.pem"}}
	p := f.Profile(s)
	if p.CertFile != "/home/u/c.pem" || p.KeyFile != "/home/u/k.pem" || p.CAFile != "/etc/espresso/ca.pem" {
		t.Fatalf("profile %+v", p)
	}
	read := map[string]string{}
	err := Inline(&p, s, func(path string) ([]byte, error) {
		read[path] = "x"
		return []byte("PEM of " + path), nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if p.Cert != "PEM of /home/u/c.pem" || p.Key != "PEM of /home/u/k.pem" || p.CertFile != "" || p.KeyFile != "" {
		t.Errorf("inlined %+v", p)
	}
	if p.CAFile != "/etc/espresso/ca.pem" || p.CA != "" || read["/etc/espresso/ca.pem"] != "" {
		t.Errorf("root's stored CA path: %+v", p)
	}
}

// TestDNSDomainsRoundTrip: dns_domains are shown one a line and read back
// as a list.
func TestDNSDomainsRoundTrip(t *testing.T) {
	stored := api.Profile{Name: "work", Gateway: "vpn.example.com", Auth: api.AuthPSK, HasPSK: true, DNSDomains: []string{"corp.example", "lab.example"}}
	f := FromProfile(stored)
	if f.DNSDomains != "corp.example\nlab.example" {
		t.Fatalf("form %q", f.DNSDomains)
	}
	f.DNSDomains += "\nextra.example"
	if p := f.Profile(Stored{Profile: stored}); strings.Join(p.DNSDomains, ",") != "corp.example,lab.example,extra.example" {
		t.Errorf("profile %q", p.DNSDomains)
	}
}
