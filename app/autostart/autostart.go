// Package autostart turns starting the app at login on and off, for the
// user alone: through an XDG autostart entry on Linux and FreeBSD
// desktops (Entry), through a per-user launchd agent on macOS
// (LaunchAgent). Both are plain files, written and tested on any system.
//
// The packages install a system-wide entry that is off (Hidden=true in
// /etc/xdg/autostart); an entry of the same name in the user's
// $XDG_CONFIG_HOME/autostart takes its place, so writing one turns
// autostart on and removing it turns it off again.
package autostart

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Entry is one user's autostart entry for the app.
type Entry struct {
	// Path is the entry's file.
	Path string
	// Exec is the app's executable, started with --hidden.
	Exec string
}

// XDG returns the entry for app id appID in configHome
// ($XDG_CONFIG_HOME, else ~/.config), starting executable.
func XDG(configHome, appID, executable string) Entry {
	return Entry{Path: filepath.Join(configHome, "autostart", appID+".desktop"), Exec: executable}
}

// UserConfigHome returns $XDG_CONFIG_HOME, else ~/.config.
func UserConfigHome() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return d, nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, ".config"), nil
}

// Enabled reports whether the app starts at login: the user's entry
// exists and is not hidden.
func (e Entry) Enabled() bool {
	b, err := os.ReadFile(e.Path)
	return err == nil && !bytes.Contains(b, []byte("\nHidden=true"))
}

// SetEnabled writes the entry (on) or removes it (off).
func (e Entry) SetEnabled(on bool) error {
	if !on {
		if err := os.Remove(e.Path); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("autostart: %w", err)
		}
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(e.Path), 0o755); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	if err := os.WriteFile(e.Path, []byte(e.content()), 0o644); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// content is the entry's text: the app, hidden in the tray.
func (e Entry) content() string {
	return strings.Join([]string{
		"[Desktop Entry]",
		"Type=Application",
		"Name=Espresso",
		"Comment=Start Espresso in the tray at login",
		"Exec=" + quoteExec(e.Exec) + " --hidden",
		"Icon=" + strings.TrimSuffix(filepath.Base(e.Path), ".desktop"),
		"Terminal=false",
		"NoDisplay=true",
		"X-GNOME-Autostart-enabled=true",
		"",
	}, "\n")
}

// quoteExec quotes a program path for a desktop entry's Exec key.
func quoteExec(p string) string {
	if !strings.ContainsAny(p, " \t\"'\\$`") {
		return p
	}
	r := strings.NewReplacer(`\`, `\\\\`, `"`, `\\"`, "`", "\\\\`", "$", `\\$`)
	return `"` + r.Replace(p) + `"`
}
