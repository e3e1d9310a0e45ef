package profile

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
)

const alice, bob uint32 = 1001, 1002

func openStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A value is never a file name: a relative path that is valid base64 is
// data, an absolute path in p12 or cert is refused as data, and only the
// *_file keys name files.
func TestValuesAreNeverPaths(t *testing.T) {
	for name, p := range map[string]api.Profile{
		"base64 path": {Name: "a", Gateway: "gw", Auth: api.AuthEAPTLS, P12: "etc///passwd"},
		"abs p12":     {Name: "a", Gateway: "gw", Auth: api.AuthEAPTLS, P12: "/etc/passwd"},
		"abs cert":    {Name: "a", Gateway: "gw", Auth: api.AuthCert, Cert: "/etc/passwd", Key: "/etc/shadow"},
		"pem in path": {Name: "a", Gateway: "gw", Auth: api.AuthCert, Cert: "/tmp/-----BEGIN x", Key: "/tmp/-----BEGIN y"},
	} {
		tp, err := Parse(&p)
		if err != nil {
			continue // refused: nothing to open
		}
		for _, s := range []Source{tp.Cert, tp.Key, tp.CA, tp.P12} {
			if s.IsFile() {
				t.Errorf("%s: parsed to the file %q", name, s.Path)
			}
		}
		if _, err := tp.Credential(); err == nil || strings.Contains(err.Error(), "root:") {
			t.Errorf("%s: credential error %v", name, err)
		}
	}
	both := api.Profile{Name: "a", Gateway: "gw", Auth: api.AuthEAPTLS, P12: "MIIB", P12File: "/etc/me.p12"}
	var e *api.Error
	if err := Validate(&both); !errors.As(err, &e) || e.Field != api.FieldP12File {
		t.Errorf("p12 and p12_file: %v", err)
	}
	rel := api.Profile{Name: "a", Gateway: "gw", Auth: api.AuthEAPTLS, P12File: "etc/me.p12"}
	if err := Validate(&rel); !errors.As(err, &e) || e.Field != api.FieldP12File {
		t.Errorf("relative p12_file: %v", err)
	}
}

// readFile refuses what is not a regular file without blocking on it,
// does not follow a link, caps the size, and its errors never carry the
// content.
func TestReadFileRefuses(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(dir, "secret")
	if err := os.WriteFile(secret, []byte("TOPSECRET-CONTENT"), 0o600); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link")
	if err := os.Symlink(secret, link); err != nil {
		t.Fatal(err)
	}
	big := filepath.Join(dir, "big")
	if err := os.WriteFile(big, make([]byte, MaxFileSize+1), 0o600); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for _, path := range []string{fifo, "/dev/zero", dir, link, big} {
			if _, err := readFile(path); err == nil {
				t.Errorf("readFile(%s) succeeded", path)
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("readFile blocked on a FIFO or a device")
	}
	p := api.Profile{Name: "a", Gateway: "gw", Auth: api.AuthEAPTLS, P12File: secret}
	tp, err := Parse(&p)
	if err != nil {
		t.Fatal(err)
	}
	_, err = tp.Credential()
	if !errors.Is(err, creds.ErrMalformed) || strings.Contains(err.Error(), "TOPSECRET") {
		t.Errorf("credential from a file that is no PKCS#12: %v", err)
	}
}

func TestMigrateMovesPaths(t *testing.T) {
	s := openStore(t)
	old := `{"name":"old","gateway":"gw","auth":"cert","cert":"/etc/espresso/c.pem","key":"/etc/espresso/k.pem","ca":"/etc/espresso/ca.pem"}`
	if err := os.WriteFile(filepath.Join(s.Dir(), "old.json"), []byte(old), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := s.Get("old")
	if err != nil {
		t.Fatal(err)
	}
	if p.Cert != "" || p.Key != "" || p.CA != "" || p.CertFile != "/etc/espresso/c.pem" || p.KeyFile != "/etc/espresso/k.pem" || p.CAFile != "/etc/espresso/ca.pem" {
		t.Errorf("migrated %+v", p)
	}
	if p.Owner != Root {
		t.Errorf("a profile without owner belongs to %d, want root", p.Owner)
	}
	if err := Validate(&p); err != nil {
		t.Errorf("migrated profile: %v", err)
	}
	p12 := api.Profile{P12: "/etc/espresso/me.p12"}
	Migrate(&p12)
	if p12.P12 != "" || p12.P12File != "/etc/espresso/me.p12" {
		t.Errorf("p12 migrated to %+v", p12)
	}
}

func TestOwnership(t *testing.T) {
	s := openStore(t)
	p := validPSK()
	p.Owner = 77 // ignored: the store sets the owner
	stored, err := s.PutAs(p, false, alice)
	if err != nil || stored.Owner != alice {
		t.Fatalf("alice's profile: owner %d, %v", stored.Owner, err)
	}
	edit := stored.Redacted()
	edit.MTU = 1300
	if _, err := s.PutAs(edit, true, bob); !errors.Is(err, ErrNotOwner) {
		t.Errorf("bob replaced alice's profile: %v", err)
	}
	if _, err := s.PutAs(edit, true, Root); err != nil {
		t.Errorf("root edits alice's profile: %v", err)
	}
	got, _ := s.Get("work")
	if got.Owner != alice || got.MTU != 1300 {
		t.Errorf("after root's edit: owner %d mtu %d", got.Owner, got.MTU)
	}
	if !CanView(&got, alice) || CanView(&got, bob) || !CanView(&got, Root) || CanUse(&got, bob) {
		t.Error("access to alice's profile")
	}
	got.Shared = true // shared only counts for root's profiles
	if CanUse(&got, bob) {
		t.Error("a member's profile marked shared opens to others")
	}
	shared := validPSK()
	shared.Name, shared.Shared = "office", true
	if _, err := s.PutAs(shared, false, alice); !isField(err, api.FieldShared) {
		t.Errorf("alice shares: %v", err)
	}
	sp, err := s.PutAs(shared, false, Root)
	if err != nil {
		t.Fatal(err)
	}
	if !CanUse(&sp, bob) || CanView(&sp, bob) {
		t.Error("root's shared profile: members must connect it and nothing more")
	}
}

func TestRootOnlyFields(t *testing.T) {
	s := openStore(t)
	for field, set := range map[string]func(*api.Profile){
		api.FieldCertFile: func(p *api.Profile) { p.CertFile = "/c.pem" },
		api.FieldKeyFile:  func(p *api.Profile) { p.KeyFile = "/k.pem" },
		api.FieldCAFile:   func(p *api.Profile) { p.CAFile = "/ca.pem" },
		api.FieldP12File:  func(p *api.Profile) { p.P12File = "/me.p12" },
		api.FieldShared:   func(p *api.Profile) { p.Shared = true },
		api.FieldFWMark:   func(p *api.Profile) { p.FWMark = "0x2a" },
	} {
		var p api.Profile
		set(&p)
		if got := RootOnlyChange(&p, &api.Profile{}); got != field {
			t.Errorf("setting %s: root-only change %q", field, got)
		}
		if got := RootOnlyChange(&p, &p); got != "" {
			t.Errorf("%s unchanged: root-only change %q", field, got)
		}
	}
	if got := RootOnlyChange(&api.Profile{FWMark: "42"}, &api.Profile{FWMark: "0x2a"}); got != "" {
		t.Errorf("the same mark spelt otherwise: root-only change %q", got)
	}
	p := api.Profile{Name: "a", Gateway: "gw", Auth: api.AuthEAPTLS, P12File: "/root/me.p12"}
	if _, err := s.PutAs(p, false, alice); !isField(err, api.FieldP12File) {
		t.Errorf("a member's p12_file: %v", err)
	}
	if _, err := s.Get("a"); !errors.Is(err, ErrNotFound) {
		t.Error("the refused profile was stored")
	}
	// A member may send back unchanged what root stored in their profile.
	if _, err := s.PutAs(p, false, Root); err != nil {
		t.Fatal(err)
	}
}

// A change of where the secrets go drops them unless they are sent
// again: the gateway-change attack.
func TestBindingChangeDropsSecrets(t *testing.T) {
	s := openStore(t)
	eap := api.Profile{Name: "work", Gateway: "vpn.example.com", Auth: api.AuthEAPMSCHAPv2, Username: "alice", Password: "hunter2", CA: ""}
	if _, err := s.PutAs(eap, false, alice); err != nil {
		t.Fatal(err)
	}
	for _, change := range []func(*api.Profile){
		func(p *api.Profile) { p.Gateway = "evil.example" },
		func(p *api.Profile) { p.RemoteID = "evil.example" },
		func(p *api.Profile) { p.CAFile = "/evil/ca.pem" },
		func(p *api.Profile) { p.Username = "mallory" },
		func(p *api.Profile) { p.LocalID = "mallory" },
	} {
		edit := eap.Redacted()
		change(&edit)
		got, err := s.PutAs(edit, true, Root)
		if err != nil {
			t.Fatal(err)
		}
		if got.Password != "" {
			t.Errorf("the password stayed with %+v", edit)
		}
		if _, err := s.PutAs(eap, true, alice); err != nil { // restore
			t.Fatal(err)
		}
	}
	psk := validPSK()
	psk.Name = "psk"
	if _, err := s.PutAs(psk, false, alice); err != nil {
		t.Fatal(err)
	}
	edit := psk.Redacted()
	edit.Gateway = "evil.example"
	_, err := s.PutAs(edit, true, alice)
	if !isField(err, api.FieldPSK) || !strings.Contains(err.Error(), "gateway changed") {
		t.Errorf("psk kept across a gateway change: %v", err)
	}
	edit.PSK = "new key"
	if got, err := s.PutAs(edit, true, alice); err != nil || got.PSK != "new key" {
		t.Errorf("the secret sent again: %v", err)
	}
}

func TestLimits(t *testing.T) {
	s := openStore(t)
	for i := range MaxProfilesPerUser {
		p := validPSK()
		p.Name = "p" + string(rune('a'+i/26)) + string(rune('a'+i%26))
		if _, err := s.PutAs(p, false, alice); err != nil {
			t.Fatal(err)
		}
	}
	p := validPSK()
	p.Name = "onemore"
	_, err := s.PutAs(p, false, alice)
	if err == nil || !strings.Contains(err.Error(), "limit per user is 32") {
		t.Errorf("profile over the count: %v", err)
	}
	if _, err := s.PutAs(p, false, bob); err != nil {
		t.Errorf("bob's first profile: %v", err)
	}
	big := validPSK()
	big.Name = "big"
	big.PSK = strings.Repeat("k", MaxProfileSize)
	if _, err := s.PutAs(big, false, bob); err == nil || !strings.Contains(err.Error(), "limit per profile") {
		t.Errorf("profile over the size: %v", err)
	}
}

func isField(err error, field string) bool {
	var e *api.Error
	return errors.As(err, &e) && e.Field == field
}
