package autostart

import (
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// The login item's property list, byte for byte.
func TestLaunchAgentGolden(t *testing.T) {
	l := UserLaunchAgent("/Users/alice", LaunchAgentLabel, "/Applications/Espresso.app/Contents/MacOS/espresso")
	if l.Path != "/Users/alice/Library/LaunchAgents/org.espressovpn.espresso.login.plist" {
		t.Errorf("path = %s", l.Path)
	}
	got, err := l.content()
	if err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "login.plist")
	if *update {
		if err := os.WriteFile(golden, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if string(got) != string(want) {
		t.Errorf("property list differs from %s:\n%s", golden, got)
	}
}

// A path with XML's special characters stays one well-formed string.
func TestLaunchAgentEscapes(t *testing.T) {
	exe := `/Users/a&b/<Apps>/"Espresso".app/Contents/MacOS/espresso`
	b, err := UserLaunchAgent("/Users/x", "l", exe).content()
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Dict struct {
			Strings []string `xml:"string"`
			Array   struct {
				Strings []string `xml:"string"`
			} `xml:"array"`
		} `xml:"dict"`
	}
	d := xml.NewDecoder(strings.NewReader(string(b)))
	d.Strict = true
	if err := d.Decode(&doc); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, b)
	}
	if got := doc.Dict.Array.Strings; len(got) != 2 || got[0] != exe || got[1] != "--hidden" {
		t.Errorf("ProgramArguments = %q", got)
	}
}

func TestLaunchAgentOnAndOff(t *testing.T) {
	home := t.TempDir()
	l := UserLaunchAgent(home, LaunchAgentLabel, "/Applications/Espresso.app/Contents/MacOS/espresso")
	if l.Enabled() {
		t.Fatal("enabled before anything was written")
	}
	if err := l.SetEnabled(true); err != nil {
		t.Fatal(err)
	}
	if !l.Enabled() {
		t.Error("not enabled after SetEnabled(true)")
	}
	fi, err := os.Stat(filepath.Join(home, "Library", "LaunchAgents", LaunchAgentLabel+".plist"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v", fi.Mode())
	}
	if err := l.SetEnabled(true); err != nil {
		t.Errorf("turning on twice: %v", err)
	}
	if err := l.SetEnabled(false); err != nil {
		t.Fatal(err)
	}
	if l.Enabled() {
		t.Error("enabled after SetEnabled(false)")
	}
	if err := l.SetEnabled(false); err != nil {
		t.Errorf("turning off twice: %v", err)
	}
	left, _ := os.ReadDir(filepath.Dir(l.Path))
	if len(left) != 0 {
		t.Errorf("left behind: %v", left)
	}
}

func TestLaunchAgentRefusesRelativeExecutable(t *testing.T) {
	l := UserLaunchAgent(t.TempDir(), LaunchAgentLabel, "espresso")
	if err := l.SetEnabled(true); err == nil || !strings.Contains(err.Error(), "absolute") {
		t.Errorf("err = %v", err)
	}
	if l.Enabled() {
		t.Error("enabled after a refused write")
	}
}
