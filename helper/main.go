// Command espresso-helper is Espresso's privileged service: it keeps the
// profiles, runs the connections and configures the system, and serves
// the local API that the app and espressoctl use.
//
//	espresso-helper [--socket PATH] [--state-dir DIR] run|install|uninstall|start|stop|status
//	espresso-helper --version
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
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
  uninstall  remove the system service
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
	if err != nil {
		fmt.Fprintln(stderr, "espresso-helper:", err)
		return 1
	}

	exe, err := os.Executable()
	if err != nil {
		fmt.Fprintln(stderr, "espresso-helper:", err)
		return 1
	}
	prg := newProgram(paths, stderr)
	svc, err := service.New(prg, helpersvc.Config(exe, paths))
	if err != nil {
		fmt.Fprintln(stderr, "espresso-helper:", err)
		return 1
	}
	switch cmd {
	case "run":
		err = svc.Run()
	case "install":
		err = install(svc, stdout)
	case "uninstall":
		err = svc.Uninstall()
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

func install(svc service.Service, stdout io.Writer) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	created, err := helpersvc.EnsureGroup(ctx, helpersvc.ExecRunner{}, api.GroupName)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stdout, "created group %q; add users who may control Espresso to it\n", api.GroupName)
	}
	if err := svc.Install(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "installed; start it with: espresso-helper start")
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
