package setup

import (
	"path/filepath"
)

// HelperName is the helper executable's file name.
const HelperName = "espresso-helper"

// ServiceName is the name the helper registers with the service manager
// (systemd unit, launchd job, rc.d script).
const ServiceName = "espresso-helper"

// Install describes the helper on this computer.
type Install struct {
	// HelperPath is the helper executable; empty when none was found.
	HelperPath string
	// Installed reports that a service definition for the helper exists,
	// so starting it is enough.
	Installed bool
	// Unsafe, when not nil, says why the helper must not be registered as
	// a service: someone other than root could change it
	// (*UnsafeHelperError).
	Unsafe error
	// User is the desktop user, whom the command adds to the helper's
	// group; empty to let the helper take the one who asked.
	User string
}

// System is what Locate may look at; tests give a fake one.
type System struct {
	// GOOS is the operating system, as runtime.GOOS names it.
	GOOS string
	// Executable is the running app's path (os.Executable).
	Executable string
	// LookPath searches $PATH (exec.LookPath).
	LookPath func(file string) (string, error)
	// IsFile reports whether a regular file exists at path.
	IsFile func(path string) bool
	// Lstat and EvalSymlinks check the helper's owners (CheckHelper); the
	// check is skipped when Lstat is nil.
	Lstat        func(path string) (Owner, error)
	EvalSymlinks func(path string) (string, error)
	// User is the desktop user's name.
	User string
}

// Locate finds the helper: on macOS where the package installs it for
// launchd first, then beside the app (the way both are packaged, and
// inside a macOS bundle), then on $PATH, then in the usual system
// directories. It also looks for the service definition, and checks that
// only root can change the helper.
func Locate(sys System) Install {
	in := Install{User: sys.User}
	candidates := []string{}
	if sys.GOOS == "darwin" {
		candidates = append(candidates, "/Library/PrivilegedHelperTools/"+HelperName)
	}
	if sys.Executable != "" {
		candidates = append(candidates, filepath.Join(filepath.Dir(sys.Executable), HelperName))
	}
	if p, err := sys.LookPath(HelperName); err == nil && filepath.IsAbs(p) {
		candidates = append(candidates, p)
	}
	for _, d := range []string{"/usr/local/bin", "/usr/local/sbin", "/usr/bin", "/usr/sbin"} {
		candidates = append(candidates, filepath.Join(d, HelperName))
	}
	for _, c := range candidates {
		if sys.IsFile(c) {
			in.HelperPath = c
			break
		}
	}
	for _, f := range ServiceFiles(sys.GOOS) {
		if sys.IsFile(f) {
			in.Installed = true
			break
		}
	}
	if in.HelperPath != "" && sys.Lstat != nil {
		in.Unsafe = CheckHelper(in.HelperPath, sys.Lstat, sys.EvalSymlinks)
	}
	return in
}

// ServiceFiles returns where goos's service manager keeps the helper's
// service definition, as the packages (packaging/) install it or
// github.com/kardianos/service writes it.
func ServiceFiles(goos string) []string {
	switch goos {
	case "linux":
		return []string{
			"/etc/systemd/system/" + ServiceName + ".service",
			"/lib/systemd/system/" + ServiceName + ".service",
			"/usr/lib/systemd/system/" + ServiceName + ".service",
			"/etc/init.d/" + ServiceName,
		}
	case "darwin":
		return []string{"/Library/LaunchDaemons/org.espressovpn.helper.plist", "/Library/LaunchDaemons/" + ServiceName + ".plist"}
	case "freebsd":
		return []string{"/usr/local/etc/rc.d/espresso_helper", "/usr/local/etc/rc.d/" + ServiceName, "/etc/rc.d/" + ServiceName}
	}
	return nil
}
