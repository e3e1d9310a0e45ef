package interop

import (
	"crypto/x509"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/suite"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// The tests against strongSwan 6 run a charon built from its source
// tarball (testnet.StrongSwan6: built once per machine into a cache
// directory, `make strongswan6`), with kernel-libipsec as the 5.9.8
// gateway has. They skip, saying why, only where that build cannot run.

// The post-quantum proposals of the tests, in strongSwan 6's syntax: a
// hybrid with ML-KEM as the additional key exchange of IKE_INTERMEDIATE
// (RFC 9370, RFC 9242), and ML-KEM alone in IKE_SA_INIT. Each Child SA
// proposal asks for the same key exchanges as PFS, so that rekeys of
// either kind run IKE_FOLLOWUP_KE after CREATE_CHILD_SA (RFC 9370 §2.2.4).
var pqSuites = []struct {
	name     string
	ike, esp string
	// intermediate is whether IKE_INTERMEDIATE and IKE_FOLLOWUP_KE run.
	intermediate bool
}{
	{"x25519-mlkem768", "aes256gcm16-prfsha384-x25519-ke1_mlkem768", "aes256gcm16-x25519-ke1_mlkem768", true},
	{"ecp384-mlkem1024", "aes256gcm16-prfsha384-ecp384-ke1_mlkem1024", "aes256gcm16-ecp384-ke1_mlkem1024", true},
	{"mlkem768", "aes256gcm16-prfsha384-mlkem768", "aes256gcm16-mlkem768", false},
}

// startGateway6 starts a strongSwan 6 gateway with conn in a new topology.
// cfg's Conns and StrongSwan are set here; the log is kept when the test
// fails.
func startGateway6(t *testing.T, opt testnet.Options, conn testnet.Conn, cfg testnet.CharonConfig) (*testnet.Topology, *testnet.Charon) {
	t.Helper()
	ss := testnet.StrongSwan6(t)
	top := testnet.NewTopology(t, opt)
	cfg.Conns = []testnet.Conn{conn}
	cfg.StrongSwan = ss
	cfg.DNS = []string{testnet.DNSV4.String()}
	gw := testnet.StartCharon(t, top.Gateway, cfg)
	keepLog(t, gw)
	return top, gw
}

// A classical proposal against strongSwan 6: the lab works, and what
// Espresso does today keeps working with the new major version.
func TestStrongSwan6PSK(t *testing.T) {
	for _, tc := range []struct {
		name string
		nat  bool
	}{{"direct", false}, {"nat", true}} {
		t.Run(tc.name, func(t *testing.T) {
			top, gw := startGateway6(t, testnet.Options{NAT: tc.nat}, gatewayConn("psk"), testnet.CharonConfig{
				Secrets: []testnet.Secret{{Kind: "ike", IDs: []string{gwID, cliID}, Secret: psk}},
			})
			cfg := clientConfig(t)
			cfg.PSK = []byte(psk)
			exercise(t, top, gw, cfg, tc.nat)
			if log := gw.Log(); !strings.Contains(log, "strongSwan 6.") {
				t.Fatalf("the gateway is not strongSwan 6:\n%s", log)
			}
		})
	}
}

// pqProposals parses a post-quantum IKE and ESP proposal for Espresso's
// client, skipping the test while Espresso refuses them: the tests switch
// on by themselves once it offers ML-KEM.
func pqProposals(t *testing.T, ikeProp, espProp string) (ike, esp []suite.Proposal) {
	t.Helper()
	i, err := suite.ParseProposal(ikeProp, false)
	if err != nil {
		t.Skipf("skipping: Espresso does not offer ML-KEM yet: %v", err)
	}
	e, err := suite.ParseProposal(espProp, true)
	if err != nil {
		t.Skipf("skipping: Espresso does not offer ML-KEM yet: %v", err)
	}
	return []suite.Proposal{i}, []suite.Proposal{e}
}

// TestStrongSwan6PostQuantum connects to a strongSwan 6 gateway with each
// post-quantum proposal, with a PSK and with certificates, rekeys the Child
// SA and the IKE SA from both sides with PFS and checks traffic after each
// step (exercise), then checks in the gateway's log that the exchanges
// RFC 9370 adds took place.
func TestStrongSwan6PostQuantum(t *testing.T) {
	for _, s := range pqSuites {
		for _, auth := range []string{"psk", "pubkey"} {
			t.Run(s.name+"/"+auth, func(t *testing.T) {
				ikeProps, espProps := pqProposals(t, s.ike, s.esp)
				conn := gatewayConn(auth)
				conn.IKEProposals = []string{s.ike}
				conn.ESPProposals = []string{s.esp}
				cfg := clientConfig(t)
				cfg.IKEProposals, cfg.ESPProposals = ikeProps, espProps
				var gwCfg testnet.CharonConfig
				if auth == "psk" {
					gwCfg.Secrets = []testnet.Secret{{Kind: "ike", IDs: []string{gwID, cliID}, Secret: psk}}
					cfg.PSK = []byte(psk)
				} else {
					pki, err := testnet.NewPKI(testnet.ECDSAP256)
					if err != nil {
						t.Fatal(err)
					}
					gwCert, err := pki.Issue(gwID, testnet.ECDSAP256)
					if err != nil {
						t.Fatal(err)
					}
					cliCert, err := pki.Issue(cliID, testnet.ECDSAP256)
					if err != nil {
						t.Fatal(err)
					}
					conn.LocalCert = gwCert
					gwCfg.CA, gwCfg.Key = pki.CA, gwCert
					cfg.LocalAuth, cfg.RemoteAuth = ike.AuthCert, ike.AuthCert
					cfg.Cert, cfg.Key = []*x509.Certificate{cliCert.Cert}, cliCert.Key
					cfg.CAs = []*x509.Certificate{pki.CA.Cert}
				}
				top, gw := startGateway6(t, testnet.Options{}, conn, gwCfg)
				exercise(t, top, gw, cfg, false)
				checkPQLog(t, gw.Log(), s.intermediate)
			})
		}
	}
}

// checkPQLog checks a gateway's log after exercise: one IKE_INTERMEDIATE
// exchange in the setup and one IKE_FOLLOWUP_KE exchange in each of the
// four rekeys when intermediate, neither otherwise.
func checkPQLog(t *testing.T, log string, intermediate bool) {
	t.Helper()
	inter := countExchanges(log, "parsed", "IKE_INTERMEDIATE")
	followup := countExchanges(log, "parsed", "IKE_FOLLOWUP_KE") + countExchanges(log, "generating", "IKE_FOLLOWUP_KE")
	if !intermediate {
		if inter != 0 || followup != 0 {
			t.Errorf("the gateway ran %d IKE_INTERMEDIATE and %d IKE_FOLLOWUP_KE exchanges, want none", inter, followup)
		}
		return
	}
	if inter != 1 {
		t.Errorf("the gateway received %d IKE_INTERMEDIATE requests, want 1", inter)
	}
	if followup != 4 {
		t.Errorf("the gateway's log has %d IKE_FOLLOWUP_KE requests, want 4 (a rekey of each kind by each side)", followup)
	}
}
