package diagnose

import (
	"bytes"
	"context"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"software.sslmate.com/src/go-pkcs12"

	"github.com/espressovpn/espresso/app/internal/apitest"
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/server"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/internal/pkitest"
)

// fakeDialer connects at once; sessions end on Close.
type fakeDialer struct{}

func (fakeDialer) Dial(context.Context, session.Attempt) (session.Conn, error) {
	return apitest.NewUpSession(), nil
}

// startHelper runs the helper's real API server, store and connection
// manager, with a dialer that connects at once and a fixed system state,
// and returns a client of it and its log.
func startHelper(t *testing.T) (*api.Client, *logring.Ring) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test client must pass the helper's peer check")
	}
	dir, err := os.MkdirTemp("", "espresso-diag") // short: Unix socket paths are limited
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	store, err := profile.Open(filepath.Join(dir, "profiles"))
	if err != nil {
		t.Fatal(err)
	}
	log := logring.New(100, nil, nil)
	mgr := conn.NewManager(fakeDialer{}, log, conn.DefaultRetryPolicy)
	srv := server.New(server.Config{
		Store: store, Manager: mgr, Log: log, Version: "9.9.9-test",
		SystemState: func(context.Context, bool) []api.SystemState {
			return []api.SystemState{
				{Name: "kernel", Command: "uname -a", Output: "Linux test 6.1.0 x86_64\n"},
				{Name: "routes-ipv4", Command: "ip -4 route show table all", Output: "198.51.100.0/24 dev tun0 table 220\n"},
				{Name: "dns-resolved", Command: "resolvectl status", Error: "exit status 1", Output: "Failed to get global data\n"},
			}
		},
	})
	sock := filepath.Join(dir, "helper.sock")
	apitest.ServeHelper(t, srv, mgr, sock)
	c := api.NewClient(sock)
	t.Cleanup(c.CloseIdleConnections)
	return c, log
}

// TestBundleHoldsNoSecret stores profiles with every kind of secret,
// writes the bundle through the helper's real API, and checks that no
// secret appears in any file, neither as given nor in base64 or hex.
func TestBundleHoldsNoSecret(t *testing.T) {
	c, _ := startHelper(t)
	ctx := context.Background()

	issued := pkitest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "client.example.com"}}, pkitest.ECKey(t), nil)
	certPEM, keyPEM := pkitest.CertPEM(issued.Cert), pkitest.KeyPEM(t, issued.Key)
	const (
		psk         = "psk-Secret-7f3a9c1e-never-in-a-bundle"
		eapPassword = "eap-Secret-2b8d4f6a-never-in-a-bundle"
		p12Password = "p12-Secret-9e1c5b3d-never-in-a-bundle"
	)
	pfx, err := pkcs12.Modern.Encode(issued.Key, issued.Cert, nil, p12Password)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range []api.Profile{
		{Name: "psk", Gateway: "192.0.2.1", Auth: api.AuthPSK, PSK: psk, RemoteTS: []string{"198.51.100.0/24"}},
		{Name: "eap", Gateway: "192.0.2.2", Auth: api.AuthEAPMSCHAPv2, Username: "alice", Password: eapPassword, CA: certPEM},
		{Name: "p12", Gateway: "192.0.2.3", Auth: api.AuthEAPTLS, P12: base64.StdEncoding.EncodeToString(pfx), P12Password: p12Password, CA: certPEM},
		{Name: "cert", Gateway: "192.0.2.4", Auth: api.AuthCert, Cert: certPEM, Key: keyPEM, CA: certPEM},
	} {
		if _, err := c.CreateProfile(ctx, p, false); err != nil {
			t.Fatalf("%s: %v", p.Name, err)
		}
	}
	if _, err := c.Connect(ctx, "psk", api.ConnectRequest{}, true); err != nil {
		t.Fatal(err)
	}

	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	if err := Save(ctx, c, Client{Name: "espressoctl", Version: "9.9.9-test"}, path, now); err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("bundle file: %v, mode %v", err, fi.Mode())
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	files := apitest.ReadBundle(t, bytes.NewReader(raw))

	keyBlock, _ := pem.Decode([]byte(keyPEM))
	secrets := map[string][]byte{
		"psk": []byte(psk), "EAP password": []byte(eapPassword), "p12 password": []byte(p12Password),
		"private key PEM": []byte(keyPEM), "private key": keyBlock.Bytes, "p12": pfx,
	}
	for name, s := range secrets {
		forms := map[string]string{
			"as is":      string(s),
			"base64":     base64.StdEncoding.EncodeToString(s),
			"base64 raw": base64.RawStdEncoding.EncodeToString(s),
			"base64 url": base64.RawURLEncoding.EncodeToString(s),
			"hex":        hex.EncodeToString(s),
			"HEX":        strings.ToUpper(hex.EncodeToString(s)),
		}
		if len(s) > 48 {
			// A long secret also must not show in part, as one line of
			// PEM or the middle of its encodings.
			forms["base64 middle"] = base64.StdEncoding.EncodeToString(s)[16:64]
			forms["hex middle"] = hex.EncodeToString(s)[16:64]
		}
		for fname, content := range files {
			for form, f := range forms {
				if strings.Contains(content, f) {
					t.Errorf("%s holds the %s (%s)", fname, name, form)
				}
			}
		}
	}

	dir := "espresso-diagnostics-20261203-100000/"
	for _, want := range []string{"versions.txt", "status.json", "log.txt", "profiles/psk.json", "profiles/eap.json",
		"profiles/p12.json", "profiles/cert.json", "system/kernel.txt", "system/routes-ipv4.txt", "system/dns-resolved.txt"} {
		if _, ok := files[dir+want]; !ok {
			t.Errorf("the bundle lacks %s; it has %v", want, keys(files))
		}
	}
	for name, key := range map[string]string{"psk": "psk", "eap": "password", "p12": "p12_password", "cert": "key"} {
		if p := files[dir+"profiles/"+name+".json"]; !strings.Contains(p, `"`+key+`": "stored"`) || strings.Contains(p, "has_") {
			t.Errorf("profile %s does not say its %s is stored:\n%s", name, key, p)
		}
	}
	if v := files[dir+"versions.txt"]; !strings.Contains(v, "espressoctl 9.9.9-test") || !strings.Contains(v, "espresso-helper 9.9.9-test") || !strings.Contains(v, "Linux test 6.1.0") {
		t.Errorf("versions:\n%s", v)
	}
	if s := files[dir+"status.json"]; !strings.Contains(s, `"state": "connected"`) {
		t.Errorf("status:\n%s", s)
	}
	if l := files[dir+"log.txt"]; !strings.Contains(l, "[psk] connecting to 192.0.2.1") {
		t.Errorf("log:\n%s", l)
	}
	if r := files[dir+"system/dns-resolved.txt"]; !strings.Contains(r, "# resolvectl status\n# failed: exit status 1\n") {
		t.Errorf("a failed command:\n%s", r)
	}
}

func keys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}

func TestScrub(t *testing.T) {
	b, err := Scrub(map[string]any{
		"name": "work", "psk": "x", "has_psk": true, "has_password": false,
		"token_secret": "y", "p12": "", "cert": "public",
	})
	if err != nil {
		t.Fatal(err)
	}
	got := string(b)
	for _, want := range []string{`"psk": "stored"`, `"token_secret": "stored"`, `"cert": "public"`, `"p12": ""`} {
		if !strings.Contains(got, want) {
			t.Errorf("scrubbed lacks %s:\n%s", want, got)
		}
	}
	if strings.Contains(got, "has_") || strings.Contains(got, `"password"`) {
		t.Errorf("scrubbed:\n%s", got)
	}
}

func TestFileSafe(t *testing.T) {
	for in, want := range map[string]string{"work": "work", "../etc/passwd": "_etc_passwd", "..": "_", "a b/c": "a_b_c"} {
		if got := fileSafe(in); got != want {
			t.Errorf("fileSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
