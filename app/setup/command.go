package setup

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// ErrNoHelper reports that no helper executable was found, so there is
// nothing to install or start.
var ErrNoHelper = errors.New("the Espresso helper is not installed on this computer")

// ErrUnsupported reports an operating system Espresso does not run on.
var ErrUnsupported = errors.New("no way to start the helper on this system")

// Command brings the helper up.
type Command struct {
	// Argv is the command the app runs, its first element the program;
	// nil when the user must run Manual themself.
	Argv []string
	// Manual is the same step as a person types it in a terminal, shown
	// beside the button and for copying.
	Manual string
	// Install reports that the command installs the service before
	// starting it.
	Install bool
}

// StartCommand returns the command that installs the helper as a service
// if it is not installed, then starts it, on goos.
func StartCommand(goos string, in Install) (Command, error) {
	if in.HelperPath == "" {
		return Command{}, ErrNoHelper
	}
	h := shellQuote(in.HelperPath)
	script := h + " start"
	if !in.Installed {
		script = h + " install && " + h + " start"
	}
	cmd := Command{Install: !in.Installed}
	switch goos {
	case "linux":
		// pkexec asks through the desktop's polkit agent. One pkexec for
		// both steps, so the password is asked once; the path goes in as
		// $0 rather than into the script.
		if in.Installed {
			cmd.Argv = []string{"pkexec", in.HelperPath, "start"}
		} else {
			cmd.Argv = []string{"pkexec", "/bin/sh", "-c", `"$0" install && "$0" start`, in.HelperPath}
		}
		cmd.Manual = "sudo sh -c " + shellQuote(script)
	case "darwin":
		// "with administrator privileges" shows the system's password
		// dialog and runs the script as root.
		cmd.Argv = []string{"osascript", "-e", "do shell script " + appleScriptString(script) + " with administrator privileges"}
		cmd.Manual = "sudo sh -c " + shellQuote(script)
	case "freebsd":
		cmd.Manual = "su root -c " + shellQuote(script)
	default:
		return Command{}, ErrUnsupported
	}
	return cmd, nil
}

// shellQuote quotes s for a POSIX shell when it holds anything but the
// characters of a plain path.
func shellQuote(s string) string {
	plain := s != ""
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/._-+:@%=", r)) {
			plain = false
			break
		}
	}
	if plain {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// appleScriptString writes s as an AppleScript string literal.
func appleScriptString(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

// Runner runs a command line and returns its combined output; tests give
// a recording one.
type Runner interface {
	Run(ctx context.Context, argv []string) ([]byte, error)
}

// Exec is the Runner that starts processes.
type Exec struct{}

// Run runs argv and waits for it.
func (Exec) Run(ctx context.Context, argv []string) ([]byte, error) {
	if len(argv) == 0 {
		return nil, errors.New("setup: empty command")
	}
	out, err := exec.CommandContext(ctx, argv[0], argv[1:]...).CombinedOutput()
	if err != nil {
		return out, fmt.Errorf("%s: %w", argv[0], err)
	}
	return out, nil
}
