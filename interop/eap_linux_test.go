package interop

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/eaptls"
	"github.com/espressovpn/espresso/ipsec/ike/eap/mschapv2"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

const (
	eapUser     = "alice"
	eapPassword = "interop-eap-password-0123"
)

// eapGateway starts a gateway that authenticates with its certificate and
// asks the client for EAP with method (RFC 7296 §2.16).
func eapGateway(t *testing.T, top *testnet.Topology, pki *testnet.PKI, gwCert *testnet.Identity, method string) *testnet.Charon {
	t.Helper()
	conn := gatewayConn("pubkey")
	conn.RemoteAuth, conn.LocalCert = method, gwCert
	return testnet.StartCharon(t, top.Gateway, testnet.CharonConfig{
		Conns: []testnet.Conn{conn}, CA: pki.CA, Key: gwCert,
		Secrets: []testnet.Secret{{Kind: "eap", IDs: []string{eapUser}, Secret: eapPassword}},
		DNS:     []string{testnet.DNSV4.String()},
	})
}

// eapPKI makes the test CA and the gateway's certificate.
func eapPKI(t *testing.T) (*testnet.PKI, *testnet.Identity) {
	t.Helper()
	pki, err := testnet.NewPKI(testnet.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	gwCert, err := pki.Issue(gwID, testnet.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	return pki, gwCert
}

// mschapv2Client is the client's configuration for EAP-MSCHAPv2 as user
// alice; cas must sign the gateway's certificate.
func mschapv2Client(t *testing.T, cas []*x509.Certificate, password string) ike.Config {
	cfg := clientConfig(t)
	cfg.LocalAuth, cfg.RemoteAuth, cfg.CAs = ike.AuthEAP, ike.AuthCert, cas
	cfg.EAP = func() *eap.Peer { return eap.NewPeer(eapUser, mschapv2.NewPeer(eapUser, password, nil)) }
	return cfg
}

func TestEAPMSCHAPv2(t *testing.T) {
	t.Run("success", func(t *testing.T) {
		top := testnet.NewTopology(t, testnet.Options{})
		pki, gwCert := eapPKI(t)
		gw := eapGateway(t, top, pki, gwCert, "eap-mschapv2")
		exercise(t, top, gw, mschapv2Client(t, []*x509.Certificate{pki.CA.Cert}, eapPassword), false)
		// MSCHAPv2 needs MD4 and DES, which OpenSSL 3 keeps in its legacy
		// provider.
		if log := gw.Log(); !strings.Contains(log, "providers loaded by OpenSSL: legacy default") {
			t.Fatalf("the gateway's OpenSSL did not load the legacy provider:\n%s", log)
		}
	})
	t.Run("wrong password", func(t *testing.T) {
		top := testnet.NewTopology(t, testnet.Options{})
		pki, gwCert := eapPKI(t)
		gw := eapGateway(t, top, pki, gwCert, "eap-mschapv2")
		c := startClient(t, top, mschapv2Client(t, []*x509.Certificate{pki.CA.Cert}, "not-the-password"))
		err := next[*ike.Down](t, c, 20*time.Second).Err
		var fe *mschapv2.FailureError
		if !errors.Is(err, ike.ErrCredentialsRejected) || !errors.As(err, &fe) || fe.Code != mschapv2.ErrorAuthenticationFailed {
			t.Fatalf("client down: %v\ngateway log:\n%s", err, gw.Log())
		}
		t.Logf("refused as: %v", err)
	})
	t.Run("untrusted gateway", func(t *testing.T) {
		top := testnet.NewTopology(t, testnet.Options{})
		pki, gwCert := eapPKI(t)
		gw := eapGateway(t, top, pki, gwCert, "eap-mschapv2")
		other, _ := eapPKI(t)
		c := startClient(t, top, mschapv2Client(t, []*x509.Certificate{other.CA.Cert}, eapPassword))
		err := next[*ike.Down](t, c, 20*time.Second).Err
		if !errors.Is(err, ike.ErrCertNotTrusted) || !errors.Is(err, auth.ErrCertUntrusted) {
			t.Fatalf("client down: %v\ngateway log:\n%s", err, gw.Log())
		}
		t.Logf("refused as: %v", err)
	})
}

func TestEAPTLS(t *testing.T) {
	top := testnet.NewTopology(t, testnet.Options{})
	pki, gwCert := eapPKI(t)
	cliCert, err := pki.Issue(cliID, testnet.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	gw := eapGateway(t, top, pki, gwCert, "eap-tls")
	roots := x509.NewCertPool()
	roots.AddCert(pki.CA.Cert)
	cfg := clientConfig(t)
	cfg.LocalAuth, cfg.RemoteAuth, cfg.CAs = ike.AuthEAP, ike.AuthCert, []*x509.Certificate{pki.CA.Cert}
	cfg.EAP = func() *eap.Peer {
		return eap.NewPeer(cliID, eaptls.NewPeer(eaptls.Config{
			Certificate: tls.Certificate{Certificate: [][]byte{cliCert.Cert.Raw}, PrivateKey: cliCert.Key, Leaf: cliCert.Cert},
			Roots:       roots, ServerID: cfg.RemoteID,
		}))
	}
	exercise(t, top, gw, cfg, true)
}
