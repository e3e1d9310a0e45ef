package autostart

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"os"
	"path/filepath"
)

// LaunchAgentLabel is the label of the app's login item on macOS.
const LaunchAgentLabel = "org.espressovpn.espresso.login"

// LaunchAgent is one user's login item on macOS: a property list in
// ~/Library/LaunchAgents that launchd reads at login and that starts the
// app hidden in the menu bar. Writing it turns starting at login on,
// removing it turns it off; nothing needs cgo or a signed helper.
type LaunchAgent struct {
	// Path is the property list's file.
	Path string
	// Label is launchd's name for the job, also the file's name.
	Label string
	// Exec is the app's executable inside its bundle
	// (Espresso.app/Contents/MacOS/espresso), started with --hidden.
	Exec string
}

// UserLaunchAgent returns the login item with label in home's
// Library/LaunchAgents, starting executable.
func UserLaunchAgent(home, label, executable string) LaunchAgent {
	return LaunchAgent{Path: filepath.Join(home, "Library", "LaunchAgents", label+".plist"), Label: label, Exec: executable}
}

// Enabled reports whether the login item exists.
func (l LaunchAgent) Enabled() bool {
	fi, err := os.Stat(l.Path)
	return err == nil && fi.Mode().IsRegular()
}

// SetEnabled writes the login item (on) or removes it (off).
func (l LaunchAgent) SetEnabled(on bool) error {
	if !on {
		if err := os.Remove(l.Path); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("login item: %w", err)
		}
		return nil
	}
	b, err := l.content()
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(l.Path), 0o755); err != nil {
		return fmt.Errorf("login item: %w", err)
	}
	// Written aside and renamed: launchd must never read half a file.
	tmp := l.Path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o644); err != nil {
		return fmt.Errorf("login item: %w", err)
	}
	if err := os.Rename(tmp, l.Path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("login item: %w", err)
	}
	return nil
}

// content is the property list: the app with --hidden, started when the
// user logs in to the graphical session (Aqua) and not kept alive, so
// that quitting it from the menu bar sticks.
func (l LaunchAgent) content() ([]byte, error) {
	if l.Label == "" || !filepath.IsAbs(l.Exec) {
		return nil, fmt.Errorf("login item: need a label and an absolute executable path, have %q and %q", l.Label, l.Exec)
	}
	var b bytes.Buffer
	b.WriteString(xml.Header)
	b.WriteString(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">` + "\n")
	b.WriteString(`<plist version="1.0">` + "\n<dict>\n")
	key := func(k string) { b.WriteString("\t<key>" + k + "</key>\n") }
	str := func(indent, s string) {
		b.WriteString(indent + "<string>")
		xml.EscapeText(&b, []byte(s)) // writes to a buffer: cannot fail
		b.WriteString("</string>\n")
	}
	key("Label")
	str("\t", l.Label)
	key("ProgramArguments")
	b.WriteString("\t<array>\n")
	str("\t\t", l.Exec)
	str("\t\t", "--hidden")
	b.WriteString("\t</array>\n")
	key("RunAtLoad")
	b.WriteString("\t<true/>\n")
	key("LimitLoadToSessionType")
	str("\t", "Aqua")
	key("ProcessType")
	str("\t", "Interactive")
	b.WriteString("</dict>\n</plist>\n")
	return b.Bytes(), nil
}
