package ike_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net/netip"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/eaptls"
	"github.com/espressovpn/espresso/ipsec/ike/eap/mschapv2"
	"github.com/espressovpn/espresso/ipsec/ike/iketest"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// eapConfigs returns a client that authenticates with EAP and a gateway
// that authenticates with its certificate first, then runs authn
// (RFC 7296 §2.16).
func eapConfigs(t testing.TB, pki *testPKI, peer func() *eap.Peer, authn func() *eap.Authenticator) (ike.Config, ike.Config) {
	cli, gw := certConfigs(t, pki, "p256")
	cli.LocalID = mustID(t, "alice")
	cli.LocalAuth, cli.Cert, cli.Key, cli.EAP = ike.AuthEAP, nil, nil, peer
	gw.RemoteID, gw.RemoteAuth, gw.CAs, gw.EAPAuthenticator = wire.Identity{}, ike.AuthEAP, nil, authn
	return cli, gw
}

func mschapv2Configs(t testing.TB, pki *testPKI, password string) (ike.Config, ike.Config) {
	return eapConfigs(t, pki,
		func() *eap.Peer { return eap.NewPeer("alice", mschapv2.NewPeer("alice", password, nil)) },
		func() *eap.Authenticator {
			lookup := func(user string) (string, bool) { return "correct horse", user == "alice" }
			return eap.NewAuthenticator(mschapv2.NewAuthenticator("gw.example.test", 1, lookup, nil), 1)
		})
}

func TestEAPMSCHAPv2(t *testing.T) {
	pki := newPKI(t, "p256")
	t.Run("success", func(t *testing.T) {
		cli, gw := mschapv2Configs(t, pki, "correct horse")
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		ce := next[*ike.Established](t, p.cli)
		ge := next[*ike.Established](t, p.gw)
		if ce.RemoteID != "gw.example.test" || ge.RemoteID != "alice" || len(ce.VirtualIPs) != 1 || ce.Child.OutSPI != ge.Child.InSPI {
			t.Fatalf("established as %+v and %+v", ce, ge)
		}
		// The IKE SA works after EAP: a Child SA rekey goes through.
		p.cli.d.RekeyChild()
		next[*ike.ChildRekeyed](t, p.cli)
		next[*ike.ChildRekeyed](t, p.gw)
	})
	t.Run("wrong password", func(t *testing.T) {
		cli, gw := mschapv2Configs(t, pki, "battery staple")
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		err := next[*ike.Down](t, p.cli).Err
		var fe *mschapv2.FailureError
		if !errors.Is(err, ike.ErrCredentialsRejected) || !errors.Is(err, ike.ErrAuthFailed) ||
			!errors.As(err, &fe) || fe.Code != mschapv2.ErrorAuthenticationFailed || errors.Is(err, ike.ErrCertNotTrusted) {
			t.Fatalf("client: %v", err)
		}
		if err := next[*ike.Down](t, p.gw).Err; !errors.Is(err, ike.ErrAuthFailed) {
			t.Fatalf("gateway: %v", err)
		}
	})
	t.Run("untrusted gateway", func(t *testing.T) {
		cli, gw := mschapv2Configs(t, pki, "correct horse")
		cli.CAs = []*x509.Certificate{newPKI(t, "p256").ca}
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		err := next[*ike.Down](t, p.cli).Err
		if !errors.Is(err, ike.ErrCertNotTrusted) || !errors.Is(err, auth.ErrCertUntrusted) || errors.Is(err, ike.ErrCredentialsRejected) {
			t.Fatalf("client: %v", err)
		}
	})
}

func TestEAPTLS(t *testing.T) {
	pki := newPKI(t, "p256")
	cc, ck := pki.issue(t, "client@example.test", "p256")
	gc, gk := pki.issue(t, "gw.example.test", "p256")
	roots := x509.NewCertPool()
	roots.AddCert(pki.ca)
	configs := func(version uint16, peerRoots *x509.CertPool) (ike.Config, ike.Config) {
		return eapConfigs(t, pki,
			func() *eap.Peer {
				return eap.NewPeer("client@example.test", eaptls.NewPeer(eaptls.Config{
					Certificate: tls.Certificate{Certificate: [][]byte{cc.Raw}, PrivateKey: ck, Leaf: cc},
					Roots:       peerRoots, ServerID: mustID(t, "gw.example.test"),
					MinVersion: version, MaxVersion: version,
				}))
			},
			func() *eap.Authenticator {
				return eap.NewAuthenticator(eaptls.NewAuthenticator(&tls.Config{
					Certificates: []tls.Certificate{{Certificate: [][]byte{gc.Raw}, PrivateKey: gk, Leaf: gc}},
					ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: roots,
					MinVersion: version, MaxVersion: version,
				}, 0), 1)
			})
	}
	for _, v := range []struct {
		name    string
		version uint16
	}{{"tls1.2", tls.VersionTLS12}, {"tls1.3", tls.VersionTLS13}} {
		t.Run(v.name, func(t *testing.T) {
			cli, gw := configs(v.version, roots)
			p := &pair{cliCfg: cli, gwCfg: gw}
			p.start(t)
			ce := next[*ike.Established](t, p.cli)
			ge := next[*ike.Established](t, p.gw)
			if ce.Child.OutSPI != ge.Child.InSPI {
				t.Fatalf("Child SAs differ: %+v %+v", ce.Child, ge.Child)
			}
		})
	}
	t.Run("untrusted TLS server", func(t *testing.T) {
		// The IKE certificate passes; the same certificate inside TLS is
		// checked against other roots and refused.
		other := x509.NewCertPool()
		other.AddCert(newPKI(t, "p256").ca)
		cli, gw := configs(tls.VersionTLS13, other)
		p := &pair{cliCfg: cli, gwCfg: gw}
		p.start(t)
		err := next[*ike.Down](t, p.cli).Err
		var ee *ike.EAPError
		if !errors.As(err, &ee) || !errors.Is(err, eap.ErrAuthenticatorUnproven) || !errors.Is(err, ike.ErrCertNotTrusted) {
			t.Fatalf("client: %v", err)
		}
	})
}

// TestGatewaySHA1AfterRFC7427IsRefused is a gateway that signs its AUTH
// with RSA and SHA-1 (method 1) although it announced RFC 7427 hash
// algorithms: the client's own announcement is taken out of its
// IKE_SA_INIT on the way, which leads the gateway to pick method 1. The
// client authenticates with EAP, so it checks the gateway's AUTH before
// the gateway checks anything of it; it must refuse the SHA-1 signature
// rather than go on.
func TestGatewaySHA1AfterRFC7427IsRefused(t *testing.T) {
	pki := newPKI(t, "p256")
	cli, gw := mschapv2Configs(t, pki, "correct horse")
	gw.Cert[0], gw.Key = pki.issue(t, "gw.example.test", "rsa2048")
	n := iketest.NewNetwork()
	stripped := false
	n.SetFilter(func(from, to netip.AddrPort, b []byte) bool {
		// The client's IKE_SA_INIT: its SIGNATURE_HASH_ALGORITHMS
		// notify (protocol 0, no SPI, type 16431) becomes an unknown
		// status notify, which the gateway ignores.
		if from.Addr() != clientAddr || len(b) < 28 || b[18] != byte(wire.IKESAInit) {
			return true
		}
		for i := 28; i+4 <= len(b); i++ {
			if b[i] == 0 && b[i+1] == 0 && b[i+2] == 0x40 && b[i+3] == 0x2f {
				b[i+2], b[i+3] = 0x9c, 0x40
				stripped = true
			}
		}
		return true
	})
	p := &pair{cliCfg: cli, gwCfg: gw, net: n}
	p.start(t)
	err := next[*ike.Down](t, p.cli).Err
	if !stripped {
		t.Fatal("the client's SIGNATURE_HASH_ALGORITHMS notify was not found")
	}
	if !errors.Is(err, auth.ErrUnsupportedMethod) || !errors.Is(err, ike.ErrAuthFailed) {
		t.Fatalf("client: %v, want the gateway's SHA-1 signature refused", err)
	}
}
