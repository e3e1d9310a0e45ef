package ike_test

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/internal/pkitest"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

type testPKI struct {
	ca  *x509.Certificate
	key crypto.Signer
}

func newKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	var k crypto.Signer
	var err error
	switch kind {
	case "rsa2048":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "rsa3072":
		k, err = rsa.GenerateKey(rand.Reader, 3072)
	case "p384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ed25519":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	}
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newPKI(t testing.TB, kind string) *testPKI {
	t.Helper()
	key := newKey(t, kind)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	return &testPKI{ca: pkitest.Issue(t, tmpl, key, nil).Cert, key: key}
}

// issue makes a certificate for a DNS name or an e-mail address; edit,
// when given, changes the template before it is signed.
func (p *testPKI) issue(t testing.TB, name, kind string, edit ...func(*x509.Certificate)) (*x509.Certificate, crypto.Signer) {
	t.Helper()
	key := newKey(t, kind)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	for _, f := range edit {
		f(tmpl)
	}
	if id, _ := ike.ParseIdentity(name); id.IDType == wire.IDRFC822 {
		tmpl.EmailAddresses = []string{name}
	} else {
		tmpl.DNSNames = []string{name}
	}
	return pkitest.Issue(t, tmpl, key, &pkitest.Issued{Cert: p.ca, Key: p.key}).Cert, key
}

func certConfigs(t testing.TB, pki *testPKI, kind string) (ike.Config, ike.Config) {
	cli, gw := pskConfigs(t)
	cli.PSK, gw.PSK = nil, nil
	cc, ck := pki.issue(t, "client@example.test", kind)
	gc, gk := pki.issue(t, "gw.example.test", kind)
	cli.LocalAuth, cli.RemoteAuth, cli.Cert, cli.Key, cli.CAs = ike.AuthCert, ike.AuthCert, []*x509.Certificate{cc}, ck, []*x509.Certificate{pki.ca}
	gw.LocalAuth, gw.RemoteAuth, gw.Cert, gw.Key, gw.CAs = ike.AuthCert, ike.AuthCert, []*x509.Certificate{gc}, gk, []*x509.Certificate{pki.ca}
	return cli, gw
}

func TestCertificates(t *testing.T) {
	for _, tc := range []struct {
		name, kind string
		pss        bool
		frag       int
	}{
		{"rsa-pkcs1", "rsa2048", false, 0},
		{"rsa-pss", "rsa2048", true, 0},
		{"ecdsa-p256", "p256", false, 0},
		{"ecdsa-p384", "p384", false, 0},
		{"ed25519", "ed25519", false, 0},
		{"rsa3072-fragmented", "rsa3072", false, 576},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pki := newPKI(t, tc.kind)
			cli, gw := certConfigs(t, pki, tc.kind)
			cli.RSAPSS, gw.RSAPSS = tc.pss, tc.pss
			cli.FragmentSize, gw.FragmentSize = tc.frag, tc.frag
			n := iketest.NewNetwork()
			var fragments, largest int
			n.SetFilter(func(from, to netip.AddrPort, b []byte) bool {
				if len(b) > 4+28 && b[4+16] == byte(wire.PayloadSKF) {
					fragments++
				}
				largest = max(largest, len(b))
				return true
			})
			p := &pair{cliCfg: cli, gwCfg: gw, net: n}
			p.start(t)
			ce := next[*ike.Established](t, p.cli)
			ge := next[*ike.Established](t, p.gw)
			if ce.RemoteID != "gw.example.test" || ge.RemoteID != "client@example.test" {
				t.Fatalf("identities %q %q", ce.RemoteID, ge.RemoteID)
			}
			if tc.frag > 0 && (fragments < 4 || largest > tc.frag) {
				t.Fatalf("IKE_AUTH not fragmented as asked: %d fragments, largest datagram %d", fragments, largest)
			}
		})
	}
}

func TestCertificateFailures(t *testing.T) {
	pki := newPKI(t, "p256")
	other := newPKI(t, "p256")
	// Each refusal of the gateway's certificate says why, through
	// ike.ErrCertNotTrusted and the auth package's precise sentinel.
	for _, tc := range []struct {
		name string
		edit func(*x509.Certificate)
		cas  []*x509.Certificate
		want error
	}{
		{"untrusted", nil, []*x509.Certificate{other.ca}, auth.ErrCertUntrusted},
		{"expired", func(c *x509.Certificate) {
			c.NotBefore, c.NotAfter = time.Now().Add(-48*time.Hour), time.Now().Add(-24*time.Hour)
		}, nil, auth.ErrCertExpired},
		{"not yet valid", func(c *x509.Certificate) {
			c.NotBefore, c.NotAfter = time.Now().Add(24*time.Hour), time.Now().Add(48*time.Hour)
		}, nil, auth.ErrCertNotYetValid},
		{"key usage", func(c *x509.Certificate) {
			c.KeyUsage, c.ExtKeyUsage = x509.KeyUsageDigitalSignature, []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning}
		}, nil, auth.ErrCertKeyUsage},
		// A user's certificate from the gateway's own CA, carrying the
		// gateway's name: any user of the CA could pose as the gateway.
		{"client certificate", func(c *x509.Certificate) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		}, nil, auth.ErrCertKeyUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cli, gw := certConfigs(t, pki, "p256")
			if tc.edit != nil {
				gw.Cert[0], gw.Key = pki.issue(t, "gw.example.test", "p256", tc.edit)
			}
			if tc.cas != nil {
				cli.CAs = tc.cas
			}
			p := &pair{cliCfg: cli, gwCfg: gw}
			p.start(t)
			err := next[*ike.Down](t, p.cli).Err
			var ce *ike.CertificateError
			if !errors.Is(err, ike.ErrCertNotTrusted) || !errors.Is(err, tc.want) || !errors.As(err, &ce) {
				t.Fatalf("client: %v, want %v", err, tc.want)
			}
		})
	}
	t.Run("client certificate of the client", func(t *testing.T) {
		// The gateway still accepts a user's clientAuth certificate.
		cli, gw := certConfigs(t, pki, "p256")
		cli.Cert[0], cli.Key = pki.issue(t, "client@example.test", "p256", func(c *x509.Certificate) {
			c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}
		})
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		next[*ike.Established](t, p.cli)
	})
	t.Run("wrong identity", func(t *testing.T) {
		cli, gw := certConfigs(t, pki, "p256")
		cli.RemoteID = mustID(t, "other.example.test")
		gw.LocalID = cli.RemoteID // claimed, but not in its certificate
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		var im *ike.IdentityMismatchError
		if err := next[*ike.Down](t, p.cli).Err; !errors.As(err, &im) || !im.InCert {
			t.Fatalf("client: %v", err)
		}
	})
	t.Run("unexpected identity", func(t *testing.T) {
		cli, gw := certConfigs(t, pki, "p256")
		cli.RemoteID = mustID(t, "vpn.example.test")
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		if err := next[*ike.Down](t, p.cli).Err; !errors.Is(err, ike.ErrIdentityMismatch) {
			t.Fatalf("client: %v", err)
		}
	})
}
