package ike_test

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/eap/eaptls"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// TestMain fails the run when goroutines of the project are still running
// once every test has closed what it started: a Conn's reader and run
// goroutines, an EAP-TLS handshake, an engine.
func TestMain(m *testing.M) {
	code := m.Run()
	if code == 0 {
		if leaked := projectGoroutines(5 * time.Second); leaked != "" {
			fmt.Fprintf(os.Stderr, "goroutines still running after the tests:\n\n%s\n", leaked)
			code = 1
		}
	}
	os.Exit(code)
}

// projectGoroutines waits up to wait for the goroutines running project
// code, other than the caller, to end, and returns the stacks of those
// that did not.
func projectGoroutines(wait time.Duration) string {
	deadline := time.Now().Add(wait)
	for {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		var leaked []string
		for _, g := range strings.Split(string(buf), "\n\n") {
			if strings.Contains(g, "github.com/espressovpn/espresso/") && !strings.Contains(g, "projectGoroutines") {
				leaked = append(leaked, g)
			}
		}
		if len(leaked) == 0 {
			return ""
		}
		if time.Now().After(deadline) {
			return strings.Join(leaked, "\n\n")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// Closing the Daemons in the middle of an EAP-TLS conversation stops every
// goroutine, the TLS handshakes of both ends included: the goroutine count
// settles back to where it was.
func TestCloseDuringEAPStopsGoroutines(t *testing.T) {
	before := runtime.NumGoroutine()
	pki := newPKI(t, "p256")
	cc, ck := pki.issue(t, "client@example.test", "p256")
	gc, gk := pki.issue(t, "gw.example.test", "p256")
	roots := x509.NewCertPool()
	roots.AddCert(pki.ca)
	cli, gw := eapConfigs(t, pki,
		func() *eap.Peer {
			return eap.NewPeer("client@example.test", eaptls.NewPeer(eaptls.Config{
				Certificate: tls.Certificate{Certificate: [][]byte{cc.Raw}, PrivateKey: ck, Leaf: cc},
				Roots:       roots, ServerID: mustID(t, "gw.example.test"),
			}))
		},
		func() *eap.Authenticator {
			return eap.NewAuthenticator(eaptls.NewAuthenticator(&tls.Config{
				Certificates: []tls.Certificate{{Certificate: [][]byte{gc.Raw}, PrivateKey: gk, Leaf: gc}},
				ClientAuth:   tls.RequireAndVerifyClientCert, ClientCAs: roots,
			}, 0), 1)
		})
	// Let IKE_AUTH run until the TLS handshake has begun on both ends (the
	// client's second EAP message carries its ClientHello), then cut it.
	var authRequests atomic.Int32
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	p.net.SetFilter(func(from, _ netip.AddrPort, b []byte) bool {
		if len(b) >= 4+wire.HeaderLen && wire.ExchangeType(b[4+18]) == wire.IKEAuth && from.Addr() == clientAddr {
			return authRequests.Add(1) <= 3
		}
		return true
	})
	deadline := time.Now().Add(5 * time.Second)
	for authRequests.Load() <= 3 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if authRequests.Load() <= 3 {
		t.Fatal("the EAP-TLS conversation did not get under way")
	}
	buf := make([]byte, 1<<20)
	if !strings.Contains(string(buf[:runtime.Stack(buf, true)]), "/eap/eaptls.") {
		t.Fatal("no TLS handshake runs during the conversation")
	}
	p.cli.d.Close()
	p.gw.d.Close()
	for range 250 {
		if runtime.NumGoroutine() <= before {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("%d goroutines after Close, %d before", runtime.NumGoroutine(), before)
}
