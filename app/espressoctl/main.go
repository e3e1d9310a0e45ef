// Command espressoctl controls the Espresso helper from a terminal, through
// the same local API as the desktop app.
//
//	espressoctl [--socket PATH] list [--json]
//	espressoctl [--socket PATH] import [--replace] FILE
//	espressoctl [--socket PATH] remove NAME
//	espressoctl [--socket PATH] up [--password-stdin] [--replace] [--json] NAME
//	espressoctl [--socket PATH] down NAME
//	espressoctl [--socket PATH] status [--json] [NAME]
//	espressoctl [--socket PATH] logs [-f] [--level LEVEL] [--json]
//	espressoctl [--socket PATH] log-level [debug|info|warn|error]
//	espressoctl [--socket PATH] diagnose [-o FILE]
//	espressoctl [--socket PATH] version
//	espressoctl help [COMMAND | exit-codes | --man]
//	espressoctl completion bash|zsh|fish
//	espressoctl --version
//
// --verbose, before the command, says on standard error what espressoctl
// does: the socket, each request to the helper and its answer.
//
// The command table (commands.go) is the one source of the usage, `help
// COMMAND`, the completion scripts and the manual page; every command
// takes --help and then does nothing else.
//
// up exits 0 only once the tunnel is established and the system
// configured; otherwise it prints the reason in one line and exits with
// the failure's status (exitcode.go): 3 when the helper is not running, 4
// when access is denied, 5 when authentication failed, 6 when the gateway
// is unreachable, 2 for a bad profile or command line, else 1.
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
	fs.SetOutput(io.Discard)
	socket := fs.String("socket", api.DefaultSocket, "")
	showVersion := fs.Bool("version", false, "")
	verbose := fs.Bool("verbose", false, "")
	err := fs.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		writeUsage(stdout)
		return exitOK
	case err != nil:
		fmt.Fprintf(stderr, "espressoctl: %v\n", err)
		writeUsage(stderr)
		return exitUsage
	case *showVersion:
		fmt.Fprintln(stdout, "espressoctl", version.String())
		return exitOK
	case fs.NArg() == 0:
		writeUsage(stderr)
		return exitUsage
	}
	name, rest := fs.Arg(0), fs.Args()[1:]
	c, ok := lookup(name)
	if !ok {
		fmt.Fprintf(stderr, "espressoctl: unknown command %q\n", name)
		writeUsage(stderr)
		return exitUsage
	}
	if wantsHelp(rest) {
		// Before anything else, so that no --help is taken for a name.
		writeCommandHelp(stdout, c)
		return exitOK
	}
	e := &env{client: api.NewClient(*socket), stdin: stdin, stdout: stdout, stderr: stderr, term: tty, answered: map[string]bool{}}
	defer e.client.CloseIdleConnections()
	if *verbose {
		e.client.SetTrace(func(format string, args ...any) {
			fmt.Fprintf(stderr, "espressoctl: "+format+"\n", args...)
		})
		if !c.local {
			fmt.Fprintf(stderr, "espressoctl: %s %q through the helper at %s\n", name, rest, *socket)
		}
	}
	err = c.run(ctx, e, rest)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "espressoctl %s: %s\n", name, ue)
		fmt.Fprintf(stderr, "usage: espressoctl %s\n(see: espressoctl help %s)\n", c.synopsis(), name)
		return exitUsage
	}
	fmt.Fprintf(stderr, "espressoctl %s: %s\n", name, errorLine(err, *socket))
	return exitCode(err)
}

// usageError reports a command line a command cannot use.
type usageError string

func (e usageError) Error() string { return string(e) }

// errorLine turns an error into the one line a user reads, with what to do
// for the two errors every command can meet.
func errorLine(err error, socket string) string {
	var ae *api.AccessDeniedError
	var e *api.Error
	var ex *explained
	switch {
	case errors.Is(err, api.ErrHelperNotRunning):
		return fmt.Sprintf("the Espresso helper is not running (nothing listens on %s); start it with: sudo espresso-helper start", socket)
	case errors.As(err, &ae), errors.Is(err, api.ErrAccessDenied):
		return fmt.Sprintf("access denied: run as root or join the %q group (then log in again)", api.GroupName)
	case errors.As(err, &ex):
		return ex.msg
	case errors.As(err, &e):
		return e.Message
	}
	return err.Error()
}
