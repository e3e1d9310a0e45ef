package eaptls

import (
	"bytes"
	"crypto/sha256"
	"crypto/tls"
	"errors"
	"runtime"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// world is a CA with a gateway and a client certificate.
type world struct {
	ca, gw, client issued
}

func newWorld(t testing.TB) world {
	ca := newCA(t, "Espresso Test CA")
	return world{ca: ca, gw: newGateway(t, ca, time.Time{}), client: newClient(t, ca)}
}

func (w world) serverConfig(version uint16) *tls.Config {
	return &tls.Config{
		Certificates: []tls.Certificate{w.gw.tls()},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    w.ca.pool(),
		MinVersion:   version, MaxVersion: version,
		Time: func() time.Time { return testNow },
	}
}

func (w world) peerConfig(fragment int) Config {
	return Config{
		Certificate:  w.client.tls(),
		Roots:        w.ca.pool(),
		ServerID:     wire.Identity{IDType: wire.IDFQDN, Data: []byte("gw.example.test")},
		FragmentSize: fragment,
		Time:         func() time.Time { return testNow },
	}
}

// run converses between an eap.Peer holding p and an eap.Authenticator
// holding a, and returns the number of round trips and the peer's error.
func run(t *testing.T, p *Peer, a *Authenticator) (*eap.Peer, *eap.Authenticator, int, error) {
	t.Helper()
	peer := eap.NewPeer("client@example.test", p)
	ath := eap.NewAuthenticator(a, 1)
	t.Cleanup(func() { peer.Close(); a.Close() })
	pkt, err := ath.Start()
	if err != nil {
		t.Fatal(err)
	}
	for n := 1; n < 200; n++ {
		resp, err := peer.Handle(pkt)
		if err != nil || resp == nil {
			return peer, ath, n, err
		}
		if pkt, err = ath.Handle(resp); err != nil {
			t.Fatalf("authenticator: %v", err)
		}
	}
	t.Fatal("conversation did not end")
	return nil, nil, 0, nil
}

func TestHandshake(t *testing.T) {
	w := newWorld(t)
	for _, tc := range []struct {
		name     string
		version  uint16
		fragment int
	}{
		{"TLS 1.2", tls.VersionTLS12, 0},
		{"TLS 1.3", tls.VersionTLS13, 0},
		{"TLS 1.2 small fragments", tls.VersionTLS12, 100},
		{"TLS 1.3 small fragments", tls.VersionTLS13, 100},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := NewPeer(w.peerConfig(tc.fragment))
			a := NewAuthenticator(w.serverConfig(tc.version), tc.fragment)
			peer, ath, trips, err := run(t, p, a)
			if err != nil {
				t.Fatal(err)
			}
			if peer.State() != eap.Succeeded || ath.State() != eap.Succeeded || p.Version() != tc.version {
				t.Fatalf("states %v %v, version %x", peer.State(), ath.State(), p.Version())
			}
			if tc.fragment > 0 && trips < 10 {
				t.Errorf("only %d round trips with %d-byte fragments", trips, tc.fragment)
			}
			pm, err1 := peer.MSK()
			am, err2 := ath.MSK()
			if err1 != nil || err2 != nil || len(pm) != MSKLen || !bytes.Equal(pm, am) {
				t.Fatalf("MSK mismatch (%v, %v)", err1, err2)
			}
		})
	}
}

// TestMSKFormula checks the MSK against RFC 5216 §2.3 and RFC 9190 §2.3
// computed here from the secrets crypto/tls logs: what ExportKeyingMaterial
// returns must be exactly that.
func TestMSKFormula(t *testing.T) {
	w := newWorld(t)
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		var log keyLines
		p := NewPeer(w.peerConfig(0))
		p.s.conn = tls.Client(p.s.pipe, clientConfigWithLog(p, &log))
		a := NewAuthenticator(w.serverConfig(version), 0)
		peer, _, _, err := run(t, p, a)
		if err != nil {
			t.Fatal(err)
		}
		msk, err := peer.MSK()
		if err != nil {
			t.Fatal(err)
		}
		var want []byte
		if version == tls.VersionTLS12 {
			cr, ms := log.get("CLIENT_RANDOM")
			want = prf12(sha256.New, ms, "client EAP encryption", append(cr, p.serverRnd...), 64)
			// The fallback without Extended Master Secret gives the same.
			var kl keyLog
			kl.Write(log.lines[0])
			if got, err := msk12(p.s.state.CipherSuite, &kl, p.serverRnd); err != nil || !bytes.Equal(got, want) {
				t.Errorf("TLS 1.2 fallback mismatch (%v)", err)
			}
		} else {
			// crypto/tls does not log the exporter secret, so this spells
			// out RFC 9190 §2.3 with the exporter itself: 128 octets with
			// context 0x0D, of which the MSK is the first 64 (HKDF output
			// depends on the length asked for, so a shorter request would
			// differ).
			k, err := p.s.state.ExportKeyingMaterial("EXPORTER_EAP_TLS_Key_Material", []byte{0x0d}, 128)
			if err != nil {
				t.Fatal(err)
			}
			want = k[:64]
			if short, _ := p.s.state.ExportKeyingMaterial("EXPORTER_EAP_TLS_Key_Material", []byte{0x0d}, 64); bytes.Equal(short, want) {
				t.Error("exporter output does not depend on its length")
			}
		}
		if !bytes.Equal(msk, want) {
			t.Errorf("TLS %x: MSK mismatch", version)
		}
	}
}

// keyLines records key log lines in a test, next to the peer's own log.
type keyLines struct {
	lines [][]byte
	inner *keyLog
}

func (k *keyLines) Write(b []byte) (int, error) {
	k.lines = append(k.lines, bytes.Clone(b))
	return k.inner.Write(b)
}

func (k *keyLines) get(label string) (random, secret []byte) {
	for _, l := range k.lines {
		f := bytes.Fields(l)
		if len(f) == 3 && string(f[0]) == label {
			var kl keyLog
			kl.Write([]byte("CLIENT_RANDOM " + string(f[1]) + " " + string(f[2])))
			return kl.get()
		}
	}
	return nil, nil
}

func clientConfigWithLog(p *Peer, log *keyLines) *tls.Config {
	log.inner = &p.s.keyLog
	return &tls.Config{
		Certificates:          []tls.Certificate{p.cfg.Certificate},
		InsecureSkipVerify:    true,
		VerifyPeerCertificate: p.verify,
		MinVersion:            tls.VersionTLS12,
		Time:                  p.cfg.Time,
		KeyLogWriter:          log,
	}
}

func TestGatewayNotTrusted(t *testing.T) {
	w := newWorld(t)
	other := newCA(t, "Other CA")
	expired := newGateway(t, w.ca, testNow.Add(-time.Hour))
	for _, tc := range []struct {
		name string
		gw   issued
		id   string
		want error
	}{
		{"other CA", newGateway(t, other, time.Time{}), "gw.example.test", auth.ErrCertUntrusted},
		{"expired", expired, "gw.example.test", auth.ErrCertExpired},
		{"wrong identity", w.gw, "vpn.example.test", auth.ErrIdentityMismatch},
	} {
		for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
			cfg := w.serverConfig(version)
			cfg.Certificates = []tls.Certificate{tc.gw.tls()}
			pc := w.peerConfig(0)
			pc.ServerID = wire.Identity{IDType: wire.IDFQDN, Data: []byte(tc.id)}
			peer, _, _, err := run(t, NewPeer(pc), NewAuthenticator(cfg, 0))
			if !errors.Is(err, tc.want) || !errors.Is(err, eap.ErrAuthenticatorUnproven) || peer.State() != eap.Failed {
				t.Errorf("%s, TLS %x: %v", tc.name, version, err)
			}
		}
	}
}

func TestClientRejected(t *testing.T) {
	// The gateway does not trust our certificate: it sends an alert, we
	// acknowledge it, it sends Failure (RFC 5216 §2.1.3).
	w := newWorld(t)
	other := newCA(t, "Other CA")
	for _, version := range []uint16{tls.VersionTLS12, tls.VersionTLS13} {
		pc := w.peerConfig(0)
		pc.Certificate = newClient(t, other).tls()
		peer, ath, _, err := run(t, NewPeer(pc), NewAuthenticator(w.serverConfig(version), 0))
		if !errors.Is(err, eap.ErrRejected) || ath.State() != eap.Failed || peer.State() != eap.Failed {
			t.Errorf("TLS %x: %v, authenticator %v", version, err, ath.State())
		}
	}
}

func TestNoCommonVersion(t *testing.T) {
	w := newWorld(t)
	pc := w.peerConfig(0)
	pc.MinVersion, pc.MaxVersion = tls.VersionTLS13, tls.VersionTLS13
	_, _, _, err := run(t, NewPeer(pc), NewAuthenticator(w.serverConfig(tls.VersionTLS12), 0))
	if !errors.Is(err, eap.ErrMethodFailed) && !errors.Is(err, eap.ErrRejected) {
		t.Errorf("no common version: %v", err)
	}
}

func TestAbandonedStopsGoroutine(t *testing.T) {
	w := newWorld(t)
	p := NewPeer(w.peerConfig(0))
	peer := eap.NewPeer("client@example.test", p)
	if _, err := peer.Handle([]byte{1, 1, 0, 6, byte(eap.TypeTLS), flagStart}); err != nil {
		t.Fatal(err)
	}
	// Count the sessions' own goroutines: the process-wide count also moves
	// with goroutines that earlier tests left to finish.
	if sessionGoroutines() == 0 {
		t.Fatal("no TLS goroutine after Start")
	}
	peer.Close()
	for i := 0; i < 100 && sessionGoroutines() > 0; i++ {
		time.Sleep(time.Millisecond)
	}
	if n := sessionGoroutines(); n > 0 {
		t.Errorf("%d TLS goroutines after Close", n)
	}
	if p.Complete() {
		t.Error("complete after Close")
	}
}

// sessionGoroutines counts the goroutines that session.start runs.
func sessionGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	return bytes.Count(buf, []byte("eaptls.(*session).start.func1("))
}

func TestPeerProtocolErrors(t *testing.T) {
	w := newWorld(t)
	for name, data := range map[string][]byte{
		"no start": {0, 22, 3, 3},
		"empty":    {},
	} {
		p := NewPeer(w.peerConfig(0))
		if _, err := p.Process(data); err == nil {
			t.Errorf("%s accepted", name)
		}
		if _, err := p.Process([]byte{flagStart}); !errors.Is(err, eap.ErrUnexpected) {
			t.Errorf("%s: Process after a failure: %v", name, err)
		}
		p.Close()
	}
	p := NewPeer(w.peerConfig(0))
	defer p.Close()
	if _, err := p.Process([]byte{flagStart}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.Process([]byte{flagStart}); !errors.Is(err, eap.ErrUnexpected) {
		t.Errorf("second Start: %v", err)
	}
	if _, err := p.MSK(); err == nil {
		t.Error("MSK before completion")
	}
}
