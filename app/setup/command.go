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

// StartCommand returns the command that sets the helper up on goos and
// starts it: "espresso-helper setup" as root creates the group, adds the
// user to it, installs the service unless it is installed (a package
// installs it), and starts it. It refuses a helper that is not safe to
// run as root (Install.Unsafe).
func StartCommand(goos string, in Install) (Command, error) {
	if in.HelperPath == "" {
		return Command{}, ErrNoHelper
	}
	if in.Unsafe != nil {
		return Command{}, in.Unsafe
	}
	args := []string{"setup"}
	if in.User != "" {
		args = append(args, "--user", in.User)
	}
	script := shellQuote(in.HelperPath)
	for _, a := range args {
		script += " " + shellQuote(a)
	}
	cmd := Command{Install: !in.Installed}
	switch goos {
	case "linux":
		// pkexec asks through the desktop's polkit agent; the package's
		// policy (org.espressovpn.helper.setup) names the helper, so the
		// dialog says what it is for.
		cmd.Argv = append([]string{"pkexec", in.HelperPath}, args...)
		cmd.Manual = "sudo " + script
	case "darwin":
		// "with administrator privileges" shows the system's password
		// dialog and runs the script as root.
		cmd.Argv = []string{"osascript", "-e", "do shell script " + appleScriptString(script) + " with administrator privileges"}
		cmd.Manual = "sudo " + script
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
