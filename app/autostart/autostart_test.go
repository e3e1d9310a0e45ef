package autostart

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestOnAndOff(t *testing.T) {
	dir := t.TempDir()
	e := XDG(dir, "com.github.espressovpn.espresso", "/usr/bin/espresso")
	if e.Enabled() {
		t.Fatal("enabled before anything was written")
	}
	if err := e.SetEnabled(true); err != nil {
		t.Fatal(err)
	}
	if !e.Enabled() {
		t.Error("not enabled after SetEnabled(true)")
	}
	b, err := os.ReadFile(filepath.Join(dir, "autostart", "com.github.espressovpn.espresso.desktop"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range []string{"Exec=/usr/bin/espresso --hidden", "Icon=com.github.espressovpn.espresso", "Type=Application"} {
		if !strings.Contains(string(b), "\n"+l+"\n") {
			t.Errorf("entry lacks %q:\n%s", l, b)
		}
	}
	if err := e.SetEnabled(false); err != nil {
		t.Fatal(err)
	}
	if e.Enabled() {
		t.Error("enabled after SetEnabled(false)")
	}
	if err := e.SetEnabled(false); err != nil {
		t.Errorf("turning off twice: %v", err)
	}
}

// The package's entry, hidden, does not count as on.
func TestHiddenEntryIsOff(t *testing.T) {
	dir := t.TempDir()
	e := XDG(dir, "x", "/usr/bin/espresso")
	os.MkdirAll(filepath.Dir(e.Path), 0o755)
	os.WriteFile(e.Path, []byte("[Desktop Entry]\nExec=espresso --hidden\nHidden=true\n"), 0o644)
	if e.Enabled() {
		t.Error("a hidden entry counts as enabled")
	}
}

func TestExecQuoting(t *testing.T) {
	e := XDG(t.TempDir(), "x", "/opt/my apps/espresso")
	if !strings.Contains(e.content(), "Exec=\"/opt/my apps/espresso\" --hidden\n") {
		t.Errorf("content:\n%s", e.content())
	}
}
