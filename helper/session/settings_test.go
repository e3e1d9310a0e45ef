package session

import (
	"context"
	"crypto/ecdsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"io/fs"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/internal/pkitest"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/creds"
	"github.com/espressovpn/espresso/platform"
)

// selfSigned makes a throwaway certificate and key for client@example.test.
func selfSigned(t *testing.T) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key := pkitest.ECKey(t)
	c := pkitest.Issue(t, &x509.Certificate{
		Subject:        pkix.Name{CommonName: "client@example.test"},
		EmailAddresses: []string{"client@example.test"}, KeyUsage: x509.KeyUsageDigitalSignature,
	}, key, nil)
	return c.Cert, key
}

// TestPKCS12Profile: a certificate profile given as PKCS#12 loads with its
// password, and a wrong password is a permanent failure that says so.
func TestPKCS12Profile(t *testing.T) {
	cert, key := selfSigned(t)
	pfx, err := pkcs12.Modern.Encode(key, cert, nil, "right")
	if err != nil {
		t.Fatal(err)
	}
	p := pskProfile()
	p.Auth, p.PSK = api.AuthCert, ""
	p.P12, p.P12Password = base64.StdEncoding.EncodeToString(pfx), "right"
	p.CA = pkitest.CertPEM(cert)
	st, err := newSettings(attempt(t, p), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if len(st.ike.Cert) != 1 || !st.ike.Cert[0].Equal(cert) || st.ike.Key == nil || len(st.ike.CAs) != 1 {
		t.Errorf("loaded %d certificates, key %v, %d CAs", len(st.ike.Cert), st.ike.Key != nil, len(st.ike.CAs))
	}

	p.P12Password = "wrong"
	_, err = newSettings(attempt(t, p), time.Now())
	var perm interface{ Permanent() bool }
	if !errors.Is(err, creds.ErrWrongPassword) || !errors.As(err, &perm) || !perm.Permanent() {
		t.Errorf("wrong password: %v, want a permanent creds.ErrWrongPassword", err)
	}
}

// TestAttemptLoadsOnce: the Dial of an attempt reads the profile's
// certificate and key files, and the next attempt reads them again; a
// gateway address the attempt brings is used as it is: the session does
// not resolve the gateway's name again.
func TestAttemptLoadsOnce(t *testing.T) {
	cert, key := selfSigned(t)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, []byte(pkitest.CertPEM(cert)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, []byte(pkitest.KeyPEM(t, key)), 0o600); err != nil {
		t.Fatal(err)
	}
	p := pskProfile()
	p.Auth, p.PSK, p.Gateway = api.AuthCert, "", "vpn.example.test"
	p.CertFile, p.KeyFile = certFile, keyFile
	p.CA = pkitest.CertPEM(cert)
	a := attempt(t, p)
	a.Gateway = gwAddr
	n := newTestNet()
	neg := newFakeNegotiator(func(f *fakeNegotiation) { f.establish(t, []netip.Prefix{lanV4}) })
	// fakeResolver{} knows no name: a look-up would fail the Dial.
	d := NewConnector(n, Options{Negotiator: neg, Resolver: fakeResolver{}, Workers: 1})
	s, err := d.Dial(context.Background(), a)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	f := neg.next(t)
	if f.cfg.Remote != netip.AddrPortFrom(gwAddr, 500) || !isID(f.cfg.RemoteID, "vpn.example.test") || len(f.cfg.Cert) != 1 || !f.cfg.Cert[0].Equal(cert) {
		t.Errorf("remote %v id %v, %d certificates", f.cfg.Remote, f.cfg.RemoteID, len(f.cfg.Cert))
	}
	// The next attempt reads the files again: a renewed (here: removed)
	// certificate counts.
	if err := os.Remove(certFile); err != nil {
		t.Fatal(err)
	}
	if _, err := newSettings(attempt(t, p), time.Now()); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the next attempt: %v, want the missing file", err)
	}
}

// TestSettingsIntervalsReachIKE: the profile's liveness and keepalive
// intervals reach the initiator's configuration, "0s" (off) as negative.
func TestSettingsIntervalsReachIKE(t *testing.T) {
	p := pskProfile()
	p.DPD, p.NATKeepalive = "2s", "0s"
	st, err := newSettings(attempt(t, p), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if st.ike.DPDDelay != 2*time.Second || st.ike.NATKeepalive >= 0 {
		t.Errorf("DPD %v, keepalive %v; want 2s and off", st.ike.DPDDelay, st.ike.NATKeepalive)
	}
}

// What the profile asked to tunnel and the gateway did not grant goes to
// the platform as Blocked, unless allow_ungranted lets its family
// through; what a granted selector covers, and the gateway itself, never.
func TestUngrantedBlocked(t *testing.T) {
	p := netip.MustParsePrefix
	peer := netip.MustParseAddr("203.0.113.1")
	est := func(granted ...netip.Prefix) *ike.Established {
		e := &ike.Established{}
		e.Child.RemoteTS = granted
		return e
	}
	for _, tc := range []struct {
		name       string
		want       []netip.Prefix
		allow4     bool
		allow6     bool
		granted    []netip.Prefix
		wantBlocks []netip.Prefix
	}{
		{"ipv4 only granted", nil, false, false, []netip.Prefix{p("0.0.0.0/0")}, []netip.Prefix{p("::/0")}},
		{"ipv6 allowed", nil, false, true, []netip.Prefix{p("0.0.0.0/0")}, nil},
		{"all granted", nil, false, false, []netip.Prefix{p("0.0.0.0/0"), p("::/0")}, nil},
		{"narrowed", nil, false, false, []netip.Prefix{p("10.0.0.0/8"), p("2001:db8::/32")}, []netip.Prefix{p("0.0.0.0/0"), p("::/0")}},
		{"narrowed ipv4 allowed", nil, true, false, []netip.Prefix{p("10.0.0.0/8")}, []netip.Prefix{p("::/0")}},
		{"split covered by wider", []netip.Prefix{p("10.1.0.0/16")}, false, false, []netip.Prefix{p("10.0.0.0/8")}, nil},
		{"gateway itself", []netip.Prefix{p("203.0.113.1/32"), p("10.1.0.0/16")}, false, false, []netip.Prefix{p("10.1.0.0/16")}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &settings{remoteTS: tc.want, allowUngranted4: tc.allow4, allowUngranted6: tc.allow6}
			if s.remoteTS == nil {
				s.remoteTS = []netip.Prefix{p("0.0.0.0/0"), p("::/0")}
			}
			c := s.platformConfig(peer, platform.NextHop{}, est(tc.granted...))
			if !slices.Equal(c.Blocked, tc.wantBlocks) {
				t.Fatalf("blocked %v, want %v", c.Blocked, tc.wantBlocks)
			}
			if !slices.Equal(c.RemoteSelectors, tc.granted) {
				t.Fatalf("selectors %v, want the granted %v", c.RemoteSelectors, tc.granted)
			}
		})
	}
	// Before IKE_AUTH (on demand) nothing is granted yet: nothing blocked.
	s := &settings{remoteTS: []netip.Prefix{p("0.0.0.0/0"), p("::/0")}}
	if c := s.platformConfig(peer, platform.NextHop{}, nil); len(c.Blocked) != 0 {
		t.Fatalf("blocked %v before negotiation", c.Blocked)
	}
}

// TestDNSDomainsReachPlatform: the gateway's DNS domains and the
// profile's dns_domains, each once, reach the platform with the servers;
// without any server there is nowhere to send them, so none are set.
func TestDNSDomainsReachPlatform(t *testing.T) {
	peer := netip.MustParseAddr("203.0.113.1")
	ns := netip.MustParseAddr("10.9.0.53")
	for _, tc := range []struct {
		name             string
		gwDNS, ownDNS    []netip.Addr
		gateway, profile []string
		want             []string
	}{
		{"gateway only", []netip.Addr{ns}, nil, []string{"corp.example"}, nil, []string{"corp.example"}},
		{"profile adds", []netip.Addr{ns}, nil, []string{"corp.example"}, []string{"lab.example", "corp.example"}, []string{"corp.example", "lab.example"}},
		{"profile only, own servers", nil, []netip.Addr{ns}, nil, []string{"lab.example"}, []string{"lab.example"}},
		{"no servers", nil, nil, []string{"corp.example"}, []string{"lab.example"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := &settings{remoteTS: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}, dns: tc.ownDNS, dnsDomains: tc.profile}
			est := &ike.Established{DNS: tc.gwDNS, DNSDomains: tc.gateway}
			c := s.platformConfig(peer, platform.NextHop{}, est)
			if !slices.Equal(c.DNS.Domains, tc.want) {
				t.Fatalf("domains %q, want %q", c.DNS.Domains, tc.want)
			}
		})
	}
	p := pskProfile()
	p.DNSDomains = []string{"Corp.Example."}
	st, err := newSettings(attempt(t, p), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(st.dnsDomains, []string{"corp.example"}) {
		t.Errorf("settings domains %q", st.dnsDomains)
	}
}
