// Command espresso-helper is Espresso's privileged service: it keeps the
// profiles, runs the connections and configures the system, and serves
// the local API that the app and espressoctl use.
//
//	espresso-helper [--socket PATH] [--state-dir DIR] [--log-level LEVEL] run|install|uninstall|start|stop|status
//	espresso-helper [--user NAME] setup
//	espresso-helper --version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/user"
	"path/filepath"
	"runtime/pprof"
	"time"

	"github.com/kardianos/service"

	"github.com/espressovpn/espresso/helper/api"
	helpersvc "github.com/espressovpn/espresso/helper/service"
	"github.com/espressovpn/espresso/internal/version"
)

const usage = `usage: espresso-helper [--socket PATH] [--state-dir DIR] COMMAND

Commands:
  run        run the helper in the foreground (what the service manager runs)
  install    install the system service (and create the %[1]q group)
  uninstall  remove the system service (and the group if install created it)
  setup      what the app asks for: the group, the user (--user, else the
             one who ran sudo or pkexec) in it, the service installed
             unless a package installed it, and started
  start      start the installed service
  stop       stop the service
  status     print whether the service is running

Flags (before or after the command):
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one command line and returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("espresso-helper", flag.ContinueOnError)
	fs.SetOutput(stderr)
	paths := helpersvc.Default
	fs.StringVar(&paths.Socket, "socket", paths.Socket, "`path` of the API socket")
	fs.StringVar(&paths.StateDir, "state-dir", paths.StateDir, "`directory` for profiles and crash records")
	showVersion := fs.Bool("version", false, "print the version and exit")
	userName := fs.String("user", "", "setup, install: the `user` to add to the group")
	logLevel := fs.String("log-level", string(api.LevelInfo), "run: the least severe `level` logged: debug, info, warn or error (espressoctl log-level changes it later)")
	cpuProfile := fs.String("cpuprofile", "", "run, for debugging: write a CPU profile to `path` until the helper stops (off unless given)")
	fs.Usage = func() {
		fmt.Fprintf(stderr, usage, api.GroupName)
		fs.PrintDefaults()
	}
	// Accept flags on either side of the command.
	var cmd string
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if cmd == "" && fs.NArg() > 0 {
		cmd = fs.Arg(0)
		args = fs.Args()[1:]
		if err := fs.Parse(args); err != nil {
			return 2
		}
	}
	if *showVersion {
		fmt.Fprintln(stdout, "espresso-helper", version.String())
		return 0
	}
	if fs.NArg() > 0 || cmd == "" {
		fs.Usage()
		return 2
	}
	var err error
	if paths.Socket, err = filepath.Abs(paths.Socket); err == nil {
		paths.StateDir, err = filepath.Abs(paths.StateDir)
	}
	if err == nil && cmd == "run" {
		// A known working directory, whatever the service manager or a
		// shell left: the helper resolves no relative path, and one that
		// slipped through must not name a file where it was started.
		err = os.Chdir("/")
	}
	if err != nil {
		fmt.Fprintln(stderr, "espresso-helper:", err)
		return 1
	}

	level, err := api.ParseLevel(*logLevel)
	if err != nil {
		fmt.Fprintln(stderr, "espresso-helper:", err)
		return 2
	}

	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "espresso-helper:", err)
		return 1
	}
	prg := newProgram(paths, stderr, level)
	svc, err := service.New(prg, helpersvc.Config(exe, paths))
	if err != nil {
		fmt.Fprintln(stderr, "espresso-helper:", err)
		return 1
	}
	switch cmd {
	case "run":
		err = runProfiled(svc, *cpuProfile)
	case "install":
		err = install(svc, paths, *userName, stdout)
	case "setup":
		err = setup(svc, paths, *userName, stdout)
	case "uninstall":
		err = uninstall(svc, paths, stdout)
	case "start":
		err = svc.Start()
	case "stop":
		err = svc.Stop()
	case "status":
		return printStatus(svc, stdout, stderr)
	default:
		fmt.Fprintf(stderr, "espresso-helper: unknown command %q\n", cmd)
		fs.Usage()
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "espresso-helper %s: %v\n", cmd, err)
		return 1
	}
	return 0
}

// runProfiled runs the service, with the CPU profiled into path from
// start to stop when path is not empty (`go tool pprof -top` reads it).
func runProfiled(svc service.Service, path string) error {
	if path == "" {
		return svc.Run()
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return err
	}
	err = svc.Run()
	pprof.StopCPUProfile()
	return errors.Join(err, f.Close())
}

// install creates the group, adds the asking user to it and installs the
// service definition.
func install(svc service.Service, paths helpersvc.Paths, userName string, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := groupAndMember(ctx, paths, userName, stdout); err != nil {
		return err
	}
	if err := svc.Install(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "installed; start it with: espresso-helper start")
	return nil
}

// setup is install and start in one step, for the app's "start the
// helper" offer: one administrator prompt, naming the helper. A service
// an OS package installed is started rather than installed again.
func setup(svc service.Service, paths helpersvc.Paths, userName string, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := groupAndMember(ctx, paths, userName, stdout); err != nil {
		return err
	}
	if helpersvc.Packaged() {
		return helpersvc.StartPackaged(ctx, helpersvc.ExecRunner{})
	}
	if _, err := svc.Status(); errors.Is(err, service.ErrNotInstalled) {
		if err := svc.Install(); err != nil {
			return err
		}
	}
	return svc.Start()
}

// groupAndMember creates the group unless it exists, recording that it did
// for uninstall, and adds userName to it: by default the user who asked
// through sudo or pkexec.
func groupAndMember(ctx context.Context, paths helpersvc.Paths, userName string, stdout io.Writer) error {
	created, err := helpersvc.EnsureGroup(ctx, helpersvc.ExecRunner{}, api.GroupName)
	if err != nil {
		return err
	}
	if created {
		if err := helpersvc.RecordGroupCreated(paths.StateDir); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "created group %q; its members may control Espresso\n", api.GroupName)
	}
	if userName == "" {
		userName = invokingUser()
	}
	if userName == "" || userName == "root" {
		return nil
	}
	added, err := helpersvc.AddMember(ctx, helpersvc.ExecRunner{}, api.GroupName, userName)
	if err != nil {
		return err
	}
	if added {
		fmt.Fprintf(stdout, "added %s to the %q group; log out and in again for it to take effect\n", userName, api.GroupName)
	}
	return nil
}

// invokingUser is the user who ran the helper through pkexec or sudo, or
// "" when neither says.
func invokingUser() string {
	if uid := os.Getenv("PKEXEC_UID"); uid != "" {
		if u, err := user.LookupId(uid); err == nil {
			return u.Username
		}
	}
	return os.Getenv("SUDO_USER")
}

// uninstall removes the service definition and the group, if install
// created it.
func uninstall(svc service.Service, paths helpersvc.Paths, stdout io.Writer) error {
	if err := svc.Uninstall(); err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	removed, err := helpersvc.RemoveCreatedGroup(ctx, helpersvc.ExecRunner{}, paths.StateDir, api.GroupName)
	if err != nil {
		return err
	}
	if removed {
		fmt.Fprintf(stdout, "removed the %q group, which install had created\n", api.GroupName)
	}
	return nil
}

// printStatus prints the service state; the exit status follows the LSB
// convention (0 running, 3 stopped, 4 unknown).
func printStatus(svc service.Service, stdout, stderr io.Writer) int {
	st, err := svc.Status()
	switch {
	case errors.Is(err, service.ErrNotInstalled):
		fmt.Fprintln(stdout, "not installed")
		return 4
	case err != nil:
		fmt.Fprintln(stderr, "espresso-helper status:", err)
		return 4
	case st == service.StatusRunning:
		fmt.Fprintln(stdout, "running")
		return 0
	case st == service.StatusStopped:
		fmt.Fprintln(stdout, "stopped")
		return 3
	}
	fmt.Fprintln(stdout, "unknown")
	return 4
}
