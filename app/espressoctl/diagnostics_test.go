package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// bundleNames lists the files of a diagnostic bundle.
func bundleNames(t *testing.T, b []byte) []string {
	t.Helper()
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, h.Name[strings.Index(h.Name, "/")+1:])
	}
}

func TestLogLevel(t *testing.T) {
	sock := helper(t, dialer{})
	if code, out, errOut := ctl(t, sock, "", "log-level"); code != 0 || out != "info\n" {
		t.Errorf("log-level: %d %q %q", code, out, errOut)
	}
	if code, out, errOut := ctl(t, sock, "", "log-level", "debug"); code != 0 || out != "the helper now logs from debug up\n" {
		t.Errorf("log-level debug: %d %q %q", code, out, errOut)
	}
	if code, out, _ := ctl(t, sock, "", "log-level"); code != 0 || out != "debug\n" {
		t.Errorf("log-level after debug: %d %q", code, out)
	}
	if code, _, errOut := ctl(t, sock, "", "log-level", "loud"); code != exitUsage || !strings.Contains(errOut, `unknown level "loud"`) {
		t.Errorf("log-level loud: %d %q", code, errOut)
	}
	// The change itself is logged at warn: --level warn shows it, and
	// --level error does not.
	if code, out, errOut := ctl(t, sock, "", "logs", "--level", "warn"); code != 0 || !strings.Contains(out, "log level changed from info to debug") || strings.Contains(out, " info  ") {
		t.Errorf("logs --level warn: %d %q %q", code, out, errOut)
	}
	if code, out, _ := ctl(t, sock, "", "logs", "--level", "error"); code != 0 || out != "" {
		t.Errorf("logs --level error: %d %q", code, out)
	}
	if code, _, errOut := ctl(t, sock, "", "logs", "--level", "all"); code != exitUsage {
		t.Errorf("logs --level all: %d %q", code, errOut)
	}
}

func TestVerbose(t *testing.T) {
	sock := helper(t, dialer{})
	code, out, errOut := ctl(t, sock, "", "--verbose", "log-level")
	if code != 0 || out != "info\n" {
		t.Fatalf("--verbose log-level: %d %q %q", code, out, errOut)
	}
	for _, want := range []string{"through the helper at " + sock, "espressoctl: request: GET /v1/loglevel", "espressoctl: answer: GET /v1/loglevel: 200 OK"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("--verbose stderr lacks %q:\n%s", want, errOut)
		}
	}
	if _, _, errOut := ctl(t, sock, "", "log-level"); errOut != "" {
		t.Errorf("stderr without --verbose: %q", errOut)
	}
}

func TestDiagnose(t *testing.T) {
	sock := helper(t, dialer{})
	dir := t.TempDir()
	f := writeFile(t, dir, "work.json", `{"name": "work", "gateway": "192.0.2.1", "auth": "psk", "psk": "diagnose-cli-secret"}`)
	if code, _, errOut := ctl(t, sock, "", "import", f); code != 0 {
		t.Fatalf("import: %d %q", code, errOut)
	}
	path := filepath.Join(dir, "out.tar.gz")
	code, out, errOut := ctl(t, sock, "", "diagnose", "-o", path)
	if code != 0 || !strings.HasPrefix(out, "wrote "+path) {
		t.Fatalf("diagnose -o: %d %q %q", code, out, errOut)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	names := strings.Join(bundleNames(t, b), " ")
	for _, want := range []string{"versions.txt", "profiles/work.json", "status.json", "log.txt"} {
		if !strings.Contains(names, want) {
			t.Errorf("the bundle lacks %s: %s", want, names)
		}
	}
	code, out, errOut = ctl(t, sock, "", "diagnose", "-o", "-")
	if code != 0 || !strings.Contains(strings.Join(bundleNames(t, []byte(out)), " "), "profiles/work.json") {
		t.Errorf("diagnose -o -: %d, %q", code, errOut)
	}
	if code, _, errOut := ctl(t, sock, "", "diagnose", "extra"); code != exitUsage {
		t.Errorf("diagnose extra: %d %q", code, errOut)
	}
}

// TestDiagnoseWithoutHelper: with no helper running the bundle is written
// all the same, saying why it lacks the helper's part, and the exit status
// says the helper is not running.
func TestDiagnoseWithoutHelper(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "out.tar.gz")
	code, out, errOut := ctl(t, filepath.Join(dir, "none.sock"), "", "diagnose", "-o", path)
	if code != exitNotRunning || out != "wrote "+path+" without the helper's part\n" || !strings.Contains(errOut, "not running") {
		t.Errorf("diagnose: %d %q %q", code, out, errOut)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if names := strings.Join(bundleNames(t, b), " "); names != "versions.txt helper-error.txt status.json log.txt" {
		t.Errorf("bundle files: %s", names)
	}
}
