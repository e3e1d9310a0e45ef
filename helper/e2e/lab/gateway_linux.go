package lab

import (
	"encoding/base64"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/platform/linux/testnet"
	"software.sslmate.com/src/go-pkcs12"
)

// Identities and the pre-shared key of the lab's gateway and clients.
const (
	GatewayID    = "gw.example.test"
	PSKClientID  = "client@example.test"
	CertClientID = "cert-client@example.test"
	// PSK is a test key, for the test network only.
	PSK = "espresso-lab-psk-0123456789"
	// EAPClientID, EAPUser and EAPPassword are the EAP-MSCHAPv2 client's
	// IKE identity and credentials; EAPTLSClientID is the EAP-TLS
	// client's IKE identity (it uses CertClientID's certificate).
	EAPClientID    = "eap-client@example.test"
	EAPUser        = "alice"
	EAPPassword    = "espresso-lab-password"
	EAPTLSClientID = "eaptls-client@example.test"
)

// Gateway is a strongSwan charon (kernel-libipsec) in the gateway
// namespace with road-warrior connections handing out virtual IPs from
// testnet.PoolV4 and the LAN testnet.LANV4: "psk" for PSKClientID, "cert"
// for CertClientID's certificate, "eap" for EAPClientID with EAP-MSCHAPv2
// and "eaptls" for EAPTLSClientID with EAP-TLS; the gateway proves itself
// with its certificate to all but the first.
type Gateway struct {
	*testnet.Charon
	PKI        *testnet.PKI
	Cert       *testnet.Identity // the gateway's
	ClientCert *testnet.Identity // CertClientID's
}

// StartGateway starts the gateway of top.
func StartGateway(t testnet.T, top *testnet.Topology) *Gateway {
	t.Helper()
	return StartGatewayWith(t, top, nil)
}

// StartGatewayWith starts the gateway of top after edit, if not nil, has
// changed its configuration (shorter lifetimes, other proposals).
func StartGatewayWith(t testnet.T, top *testnet.Topology, edit func(*testnet.CharonConfig)) *Gateway {
	t.Helper()
	pki, err := testnet.NewPKI(testnet.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	gw, err := pki.Issue(GatewayID, testnet.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	client, err := pki.Issue(CertClientID, testnet.ECDSAP256)
	if err != nil {
		t.Fatal(err)
	}
	lan := []string{testnet.LANV4.String()}
	cfg := testnet.CharonConfig{
		Conns: []testnet.Conn{
			{
				Name: "psk", LocalAuth: "psk", RemoteAuth: "psk",
				LocalID: GatewayID, RemoteID: PSKClientID,
				LocalTS: lan, Pools: []string{"v4"},
			},
			{
				Name: "cert", LocalAuth: "pubkey", RemoteAuth: "pubkey",
				LocalID: GatewayID, RemoteID: CertClientID, LocalCert: gw,
				LocalTS: lan, Pools: []string{"v4"},
			},
			{
				Name: "eap", LocalAuth: "pubkey", RemoteAuth: "eap-mschapv2",
				LocalID: GatewayID, RemoteID: EAPClientID, LocalCert: gw,
				LocalTS: lan, Pools: []string{"v4"},
			},
			{
				Name: "eaptls", LocalAuth: "pubkey", RemoteAuth: "eap-tls",
				LocalID: GatewayID, RemoteID: EAPTLSClientID, LocalCert: gw,
				LocalTS: lan, Pools: []string{"v4"},
			},
		},
		Secrets: []testnet.Secret{
			{Kind: "ike", IDs: []string{GatewayID, PSKClientID}, Secret: PSK},
			{Kind: "eap", IDs: []string{EAPUser}, Secret: EAPPassword},
		},
		CA:  pki.CA,
		Key: gw,
		DNS: []string{testnet.DNSV4.String()},
	}
	if edit != nil {
		edit(&cfg)
	}
	c := testnet.StartCharon(t, top.Gateway, cfg)
	return &Gateway{Charon: c, PKI: pki, Cert: gw, ClientCert: client}
}

// StartGateway6 is StartGatewayWith running strongSwan 6 built from its
// tarball (testnet.StrongSwan6, which skips the test where it cannot be
// built) instead of the system's strongSwan 5.9.8: the same connections,
// with strongSwan 6's post-quantum methods for edit to require.
func StartGateway6(t testnet.T, top *testnet.Topology, edit func(*testnet.CharonConfig)) *Gateway {
	t.Helper()
	ss := testnet.StrongSwan6(t)
	return StartGatewayWith(t, top, func(c *testnet.CharonConfig) {
		c.StrongSwan = ss
		if edit != nil {
			edit(c)
		}
	})
}

// PSKProfile is a profile for the "psk" connection, routing the LAN.
func PSKProfile(name string) api.Profile {
	return api.Profile{
		Name:     name,
		Gateway:  testnet.GatewayV4.String(),
		RemoteID: GatewayID,
		LocalID:  PSKClientID,
		Auth:     api.AuthPSK,
		PSK:      PSK,
		RemoteTS: []string{testnet.LANV4.String()},
	}
}

// CertProfile is a profile for the "cert" connection, with the client's
// certificate and key and the CA inline.
func (g *Gateway) CertProfile(name string) api.Profile {
	return api.Profile{
		Name:     name,
		Gateway:  testnet.GatewayV4.String(),
		RemoteID: GatewayID,
		LocalID:  CertClientID,
		Auth:     api.AuthCert,
		Cert:     string(g.ClientCert.CertPEM()),
		Key:      string(g.ClientCert.KeyPEM()),
		CA:       string(g.PKI.CA.CertPEM()),
		RemoteTS: []string{testnet.LANV4.String()},
	}
}

// IsolateLAN makes the gateway refuse to forward in the clear between the
// client's side and the LAN, in both directions and both families, so that
// whatever reaches the LAN host from the client went through a tunnel (the
// topology otherwise routes it in the clear as well).
func IsolateLAN(t testnet.T, top *testnet.Topology) {
	t.Helper()
	gw := top.Gateway
	gw.MustRun("nft", "add table inet lab")
	gw.MustRun("nft", "add chain inet lab forward { type filter hook forward priority 0 ; }")
	for _, r := range [][2]string{
		{"ip saddr 192.0.2.0/24", "ip daddr " + testnet.LANV4.String()},
		{"ip saddr " + testnet.LANV4.String(), "ip daddr 192.0.2.0/24"},
		{"ip6 saddr 2001:db8:1::/64", "ip6 daddr " + testnet.LANV6.String()},
		{"ip6 saddr " + testnet.LANV6.String(), "ip6 daddr 2001:db8:1::/64"},
	} {
		gw.MustRun("nft", "add rule inet lab forward "+r[0]+" "+r[1]+" drop")
	}
}

// EAPProfile is a profile for the "eap" connection (EAP-MSCHAPv2).
func (g *Gateway) EAPProfile(name string) api.Profile {
	return api.Profile{
		Name:     name,
		Gateway:  testnet.GatewayV4.String(),
		RemoteID: GatewayID,
		LocalID:  EAPClientID,
		Auth:     api.AuthEAPMSCHAPv2,
		Username: EAPUser,
		Password: EAPPassword,
		CA:       string(g.PKI.CA.CertPEM()),
		RemoteTS: []string{testnet.LANV4.String()},
	}
}

// EAPTLSProfile is a profile for the "eaptls" connection, with
// CertClientID's certificate inside EAP-TLS. The EAP identity (the
// profile's username) is the certificate's, which strongSwan looks the
// certificate up by.
func (g *Gateway) EAPTLSProfile(name string) api.Profile {
	p := g.CertProfile(name)
	p.Auth, p.LocalID, p.Username = api.AuthEAPTLS, EAPTLSClientID, CertClientID
	return p
}

// P12Profile is CertProfile with the client's certificate and key as a
// base64 PKCS#12 file (modern AES encryption) sealed with password.
func (g *Gateway) P12Profile(t testnet.T, name, password string) api.Profile {
	t.Helper()
	pfx, err := pkcs12.Modern.Encode(g.ClientCert.Key, g.ClientCert.Cert, nil, password)
	if err != nil {
		t.Fatal(err)
	}
	p := g.CertProfile(name)
	p.Cert, p.Key = "", ""
	p.P12, p.P12Password = base64.StdEncoding.EncodeToString(pfx), password
	return p
}
