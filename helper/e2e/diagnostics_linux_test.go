package e2e

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/helper/e2e/lab"
)

// TestDiagnostics raises the helper's log level with espressoctl,
// connects to strongSwan, and checks that the log names the IKE messages
// exchanged and that `espressoctl diagnose` saves the tunnel's routes and
// rules as the helper sees them, the profile without its key.
func TestDiagnostics(t *testing.T) {
	r := newRig(t, false)
	p := lab.PSKProfile("work")
	r.h.Import(p)
	if out := r.h.MustCtl("log-level", "debug"); !strings.Contains(out, "from debug up") {
		t.Fatalf("log-level debug printed %q", out)
	}
	r.up(t, "work")

	log := r.h.MustCtl("logs", "--level", "debug")
	for _, want := range []string{
		"[work] ike: sent exchange=IKE_SA_INIT kind=request id=0 ",
		"[work] ike: received exchange=IKE_SA_INIT kind=response id=0 ",
		"[work] ike: sent exchange=IKE_AUTH kind=request id=1 ",
		"[work] ike: received exchange=IKE_AUTH kind=response id=1 ",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the debug log lacks %q:\n%s", want, log)
		}
	}

	path := filepath.Join(t.TempDir(), "bundle.tar.gz")
	r.h.MustCtl("diagnose", "-o", path)
	files := map[string]string{}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		name := h.Name[strings.Index(h.Name, "/")+1:]
		files[name] = string(b)
		if strings.Contains(string(b), p.PSK) {
			t.Errorf("%s holds the PSK", name)
		}
	}
	for name, want := range map[string]string{
		"system/routes-ipv4.txt": "table 220",
		"system/rules-ipv4.txt":  "lookup 220",
		"profiles/work.json":     `"psk": "stored"`,
		"status.json":            `"state": "connected"`,
		"log.txt":                "ike: received exchange=IKE_AUTH",
		"versions.txt":           "log level:  debug",
	} {
		if !strings.Contains(files[name], want) {
			t.Errorf("%s lacks %q:\n%s", name, want, files[name])
		}
	}
	r.h.MustCtl("down", "work")
}
