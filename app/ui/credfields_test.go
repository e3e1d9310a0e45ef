package ui

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"
	"software.sslmate.com/src/go-pkcs12"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/internal/pkitest"
)

// testPKI is a CA and a client certificate it signed, with the files a
// user would be given, written to a directory of the test.
type testPKI struct {
	ca, leaf pkitest.Issued
	dir      string
	p12      []byte // the client's bundle, locked with "right"
}

func newTestPKI(t *testing.T) testPKI {
	t.Helper()
	ca := pkitest.CA(t, "Espresso Test CA", nil)
	leaf := pkitest.Issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "alice@example.com"},
		KeyUsage: x509.KeyUsageDigitalSignature}, pkitest.ECKey(t), &ca)
	p12, err := pkcs12.Modern.Encode(leaf.Key, leaf.Cert, []*x509.Certificate{ca.Cert}, "right")
	if err != nil {
		t.Fatal(err)
	}
	pki := testPKI{ca: ca, leaf: leaf, dir: t.TempDir(), p12: p12}
	pki.write(t, "alice.p12", p12)
	pki.write(t, "alice.der", leaf.Cert.Raw)
	pki.write(t, "alice.key", []byte(pkitest.KeyPEM(t, leaf.Key)))
	pki.write(t, "ca.pem", []byte(pkitest.CertPEM(ca.Cert)))
	pki.write(t, "notes.txt", []byte("not a certificate\n"))
	return pki
}

func (p testPKI) write(t *testing.T, name string, b []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(p.dir, name), b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func (p testPKI) path(name string) string { return filepath.Join(p.dir, name) }

// shownError is the problem the editor shows under field key, empty when
// none.
func shownError(e *editor, key string) string {
	if !e.errs[key].Visible() || !e.rows[key][1].Visible() {
		return ""
	}
	return e.errs[key].Text
}

// choose taps field's "Choose file…" button, the dialog answering path.
func (h *harness) choose(e *editor, field, path string) {
	h.t.Helper()
	b := findButton(e.rows[field][1], "Choose file…")
	if b == nil {
		h.t.Fatalf("no Choose file… button for %s", field)
	}
	h.chosen = path
	test.Tap(b)
}

// newCertProfile fills a new profile's connection fields and chooses the
// certificate method.
func newCertProfile(h *harness, name string) *editor {
	h.until("link up", func() bool { return h.shownState() == "Disconnected" })
	h.u.OpenEditor("")
	e := h.u.editors[""]
	test.Type(e.entries[api.FieldName], name)
	e.entries[api.FieldGateway].SetText("192.0.2.7")
	e.auth.SetSelected("Certificate")
	return e
}

// A PKCS#12 file chosen in the editor reaches the helper as its content,
// never as a path; a wrong password is named under its field and nothing
// is saved.
func TestEditorTakesPKCS12File(t *testing.T) {
	h := newHarness(t, options{})
	pki := newTestPKI(t)
	e := newCertProfile(h, "corp")

	for _, hint := range []string{credP12Hint, credPairHint} {
		if !hasText(e.win.Content(), hint) {
			t.Errorf("the choice is not explained: %q not shown", hint)
		}
	}
	e.credential.SetSelected(credP12)
	if !e.rows[api.FieldP12][1].Visible() || !e.rows[api.FieldP12Password][1].Visible() || e.rows[api.FieldCert][1].Visible() || e.rows[api.FieldKey][1].Visible() {
		t.Fatal("choosing PKCS#12 does not show its fields in place of the certificate and key")
	}
	if got := shownError(e, api.FieldP12); !strings.HasPrefix(got, "PKCS#12 bundle: choose the .p12") {
		t.Errorf("no file yet: %q", got)
	}

	// A file that is no bundle is refused, naming the field.
	h.choose(e, api.FieldP12, pki.path("notes.txt"))
	if got := shownError(e, api.FieldP12); got != "PKCS#12 bundle: not a PKCS#12 file (.p12 or .pfx), or a damaged one" || !e.save.Disabled() {
		t.Errorf("text file as bundle: error %q, save enabled %v", got, !e.save.Disabled())
	}
	h.choose(e, api.FieldP12, pki.path("alice.p12"))
	if shownError(e, api.FieldP12) != "" || e.notes[api.FieldP12].Text != "Read from alice.p12" {
		t.Errorf("bundle chosen: error %q, note %q", shownError(e, api.FieldP12), e.notes[api.FieldP12].Text)
	}
	if got := shownError(e, api.FieldP12Password); got != "PKCS#12 password: enter the password that unlocks the PKCS#12 file" {
		t.Errorf("no password: %q", got)
	}
	test.Type(e.entries[api.FieldP12Password], "wrong")
	if got := shownError(e, api.FieldP12Password); got != "PKCS#12 password: wrong password: it does not unlock the PKCS#12 file" || !e.save.Disabled() {
		t.Errorf("wrong password: error %q, save enabled %v", got, !e.save.Disabled())
	}
	if e.status.Text != shownError(e, api.FieldP12Password) {
		t.Errorf("status line %q", e.status.Text)
	}
	test.Tap(e.save)
	if _, ok := h.fake.StoredProfile("corp"); ok {
		t.Fatal("saved with a wrong password")
	}

	e.entries[api.FieldP12Password].SetText("right")
	if e.save.Disabled() {
		t.Fatalf("cannot save: %q", e.status.Text)
	}
	test.Tap(e.save)
	h.until("saved", func() bool { _, open := h.u.editors[""]; return !open })
	p, ok := h.fake.StoredProfile("corp")
	if !ok || p.P12 != base64.StdEncoding.EncodeToString(pki.p12) || p.P12Password != "right" {
		t.Fatalf("stored: ok %v, p12 is the file's content %v, password right %v", ok, p.P12 == base64.StdEncoding.EncodeToString(pki.p12), p.P12Password == "right")
	}
	if p.P12File != "" || p.CertFile != "" || p.KeyFile != "" || p.Cert != "" || p.Key != "" {
		t.Errorf("stored a path or a certificate beside the bundle: %q %q %q, cert %v key %v", p.P12File, p.CertFile, p.KeyFile, p.Cert != "", p.Key != "")
	}

	// Reopened, the bundle and its password show as stored.
	h.u.OpenEditor("corp")
	e = h.u.editors["corp"]
	if e.credential.Selected != credP12 || !e.storedLines[api.FieldP12].Visible() || e.storedLabels[api.FieldP12].Text != "Stored" ||
		!e.storedLines[api.FieldP12Password].Visible() || e.entries[api.FieldP12Password].Text != "" {
		t.Errorf("reopened: choice %q, bundle stored line %v %q, password stored line %v",
			e.credential.Selected, e.storedLines[api.FieldP12].Visible(), e.storedLabels[api.FieldP12].Text, e.storedLines[api.FieldP12Password].Visible())
	}
	if e.save.Disabled() {
		t.Errorf("a stored bundle is not enough: %q", e.status.Text)
	}
}

// A certificate in DER and a key in PEM, chosen as files, go to the
// helper as PEM text; a file that cannot be read or is not what the
// field takes is named under the field and nothing is saved.
func TestEditorTakesCertificateAndKeyFiles(t *testing.T) {
	h := newHarness(t, options{})
	pki := newTestPKI(t)
	e := newCertProfile(h, "corp")
	e.credential.SetSelected(credPair)
	if e.rows[api.FieldP12][1].Visible() || !e.rows[api.FieldCert][1].Visible() {
		t.Fatal("the certificate and key fields are not shown")
	}

	missing := pki.path("missing.pem")
	h.choose(e, api.FieldCert, missing)
	if got := shownError(e, api.FieldCert); !strings.HasPrefix(got, "Certificate: open "+missing+":") {
		t.Errorf("missing file: %q", got)
	}
	h.choose(e, api.FieldCert, pki.path("notes.txt"))
	if got := shownError(e, api.FieldCert); got != "Certificate: not a certificate in PEM or DER form" || e.entries[api.FieldCert].Text != "" {
		t.Errorf("text file as certificate: %q, entry %q", got, e.entries[api.FieldCert].Text)
	}
	h.choose(e, api.FieldKey, pki.path("alice.der"))
	if got := shownError(e, api.FieldKey); got != "Private key: not a private key in PEM or DER form" {
		t.Errorf("certificate as key: %q", got)
	}
	test.Tap(e.save)
	if _, ok := h.fake.StoredProfile("corp"); ok {
		t.Fatal("saved without a certificate")
	}

	h.choose(e, api.FieldCert, pki.path("alice.der"))
	if e.entries[api.FieldCert].Text != pkitest.CertPEM(pki.leaf.Cert) || shownError(e, api.FieldCert) != "" {
		t.Errorf("DER certificate: entry %q, error %q", e.entries[api.FieldCert].Text, shownError(e, api.FieldCert))
	}
	h.choose(e, api.FieldKey, pki.path("alice.key"))
	if e.entries[api.FieldKey].Text != "" || e.notes[api.FieldKey].Text != "Read from alice.key" || shownError(e, api.FieldKey) != "" {
		t.Errorf("key chosen: entry shows it %v, note %q, error %q", e.entries[api.FieldKey].Text != "", e.notes[api.FieldKey].Text, shownError(e, api.FieldKey))
	}
	h.choose(e, api.FieldCA, pki.path("ca.pem"))
	if e.save.Disabled() {
		t.Fatalf("cannot save: %q", e.status.Text)
	}
	test.Tap(e.save)
	h.until("saved", func() bool { _, open := h.u.editors[""]; return !open })
	p, _ := h.fake.StoredProfile("corp")
	// The editor sends the fields' text trimmed.
	same := func(got, want string) bool { return got == strings.TrimSpace(want) }
	if !same(p.Cert, pkitest.CertPEM(pki.leaf.Cert)) || !same(p.Key, pkitest.KeyPEM(t, pki.leaf.Key)) || !same(p.CA, pkitest.CertPEM(pki.ca.Cert)) {
		t.Errorf("stored: cert as chosen %v, key %v, ca %v", same(p.Cert, pkitest.CertPEM(pki.leaf.Cert)),
			same(p.Key, pkitest.KeyPEM(t, pki.leaf.Key)), same(p.CA, pkitest.CertPEM(pki.ca.Cert)))
	}
	if p.CertFile != "" || p.KeyFile != "" || p.CAFile != "" || p.P12 != "" {
		t.Errorf("stored paths %q %q %q or a bundle", p.CertFile, p.KeyFile, p.CAFile)
	}
	if h.chooses != 6 {
		t.Errorf("%d file dialogs, want 6", h.chooses)
	}
}

// A stored secret shows as stored; Clear removes it when saved, and Keep
// takes that back.
func TestEditorClearsStoredSecret(t *testing.T) {
	h := newHarness(t, options{})
	h.until("profile read", func() bool { _, ok := h.u.profiles["work"]; return ok })
	h.u.OpenEditor("work")
	e := h.u.editors["work"]
	if !e.storedLines[api.FieldPSK].Visible() || e.storedLabels[api.FieldPSK].Text != "Stored" {
		t.Fatalf("the stored key is not shown as stored")
	}
	test.Tap(e.clearBtns[api.FieldPSK])
	if e.storedLabels[api.FieldPSK].Text != "Cleared: removed when you save" || !strings.HasPrefix(shownError(e, api.FieldPSK), "Pre-shared key: enter the key") || !e.save.Disabled() {
		t.Errorf("cleared: %q, error %q, save enabled %v", e.storedLabels[api.FieldPSK].Text, shownError(e, api.FieldPSK), !e.save.Disabled())
	}
	test.Tap(e.clearBtns[api.FieldPSK]) // Keep
	if e.storedLabels[api.FieldPSK].Text != "Stored" || e.save.Disabled() {
		t.Errorf("kept again: %q, status %q", e.storedLabels[api.FieldPSK].Text, e.status.Text)
	}
	// Typing a new key replaces the stored one.
	test.Type(e.entries[api.FieldPSK], "a new pre-shared key")
	if e.storedLines[api.FieldPSK].Visible() {
		t.Error("the stored line stays while a new key is typed")
	}
	test.Tap(e.save)
	h.until("saved", func() bool { _, open := h.u.editors["work"]; return !open })
	if p, _ := h.fake.StoredProfile("work"); p.PSK != "a new pre-shared key" {
		t.Error("the typed key did not replace the stored one")
	}
}
