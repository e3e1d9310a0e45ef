// Command espressoctl controls the Espresso helper from a terminal, through
// the same local API as the desktop app.
//
//	espressoctl [--socket PATH] list
//	espressoctl [--socket PATH] import [--replace] FILE
//	espressoctl [--socket PATH] remove NAME
//	espressoctl [--socket PATH] up [--password-stdin] NAME
//	espressoctl [--socket PATH] down NAME
//	espressoctl [--socket PATH] status [--json] [NAME]
//	espressoctl [--socket PATH] logs [-f]
//	espressoctl [--socket PATH] version
//	espressoctl --version
//
// up exits 0 only once the tunnel is established and the system
// configured; otherwise it prints the reason in one line and exits 1.
// When the helper asks for the profile's password (it stores none, or
// the gateway refused the stored one), up asks on the terminal, without
// echo, and offers to remember it; with standard input not a terminal,
// give the password with --password-stdin.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/internal/version"
)

const usage = `usage: espressoctl [--socket PATH] COMMAND [ARGS]

Commands:
  list                          list the profiles
  import [--replace] FILE       import a profile (Espresso .json or strongSwan .sswan)
  remove NAME                   remove a profile
  up [--password-stdin] NAME    connect; exits 0 once the tunnel is up
  down NAME                     disconnect
  status [--json] [NAME]        show connections
  logs [-f]                     show the helper's log; -f follows it
  version                       show espressoctl's and the helper's versions
`

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1
	exitUsage = 2
)

// env is what a command runs with; tests supply their own.
type env struct {
	client *api.Client
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
	// term is the terminal `up` asks the helper's password prompts on;
	// nil when standard input is not one.
	term terminal

	mu sync.Mutex
	// answered are the prompts this process answered.
	answered map[string]bool
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

// run executes one command line and returns the exit status.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	return runOn(ctx, args, stdin, terminalOf(stdin, stderr), stdout, stderr)
}

// runOn is run with the terminal to ask on, nil for none.
func runOn(ctx context.Context, args []string, stdin io.Reader, tty terminal, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("espressoctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	socket := fs.String("socket", api.DefaultSocket, "`path` of the helper's socket")
	showVersion := fs.Bool("version", false, "print espressoctl's version and exit")
	fs.Usage = func() {
		fmt.Fprint(stderr, usage, "\nFlags:\n")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return exitUsage
	}
	if *showVersion {
		fmt.Fprintln(stdout, "espressoctl", version.String())
		return exitOK
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return exitUsage
	}
	e := &env{client: api.NewClient(*socket), stdin: stdin, stdout: stdout, stderr: stderr, term: tty, answered: map[string]bool{}}
	defer e.client.CloseIdleConnections()
	cmd, rest := fs.Arg(0), fs.Args()[1:]
	commands := map[string]func(context.Context, *env, []string) error{
		"list":    cmdList,
		"import":  cmdImport,
		"remove":  cmdRemove,
		"up":      cmdUp,
		"down":    cmdDown,
		"status":  cmdStatus,
		"logs":    cmdLogs,
		"version": cmdVersion,
	}
	f, ok := commands[cmd]
	if !ok {
		fmt.Fprintf(stderr, "espressoctl: unknown command %q\n", cmd)
		fs.Usage()
		return exitUsage
	}
	err := f(ctx, e, rest)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "espressoctl %s: %s\n", cmd, ue)
		fmt.Fprint(stderr, usage)
		return exitUsage
	}
	fmt.Fprintf(stderr, "espressoctl %s: %s\n", cmd, errorLine(err, *socket))
	return exitFail
}

// usageError reports a command line a command cannot use.
type usageError string

func (e usageError) Error() string { return string(e) }

// errorLine turns an error into the one line a user reads, with what to do
// for the two errors every command can meet.
func errorLine(err error, socket string) string {
	var ae *api.AccessDeniedError
	var e *api.Error
	switch {
	case errors.Is(err, api.ErrHelperNotRunning):
		return fmt.Sprintf("the Espresso helper is not running (nothing listens on %s); start it with: sudo espresso-helper start", socket)
	case errors.As(err, &ae), errors.Is(err, api.ErrAccessDenied):
		return fmt.Sprintf("access denied: run as root or join the %q group (then log in again)", api.GroupName)
	case errors.As(err, &e):
		return e.Message
	}
	return err.Error()
}
