package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
)

// flagSpec documents one flag of a command; arg is the value's name, empty
// for a flag that takes none.
type flagSpec struct {
	name, arg, help string
}

// command is one entry of the command table, the single source of the
// usage text, `help COMMAND`, the completion scripts and the man page.
type command struct {
	name    string
	args    string // the operands after the flags, as in the synopsis
	summary string // one line, for the command list
	help    string // paragraphs for `help COMMAND` and the man page
	flags   []flagSpec
	// profile reports that the operand is a profile name, which the
	// completion scripts offer.
	profile bool
	// local commands never talk to the helper.
	local bool
	run   func(context.Context, *env, []string) error
}

// globalFlags are the flags before the command.
var globalFlags = []flagSpec{
	{"socket", "PATH", "the helper's socket (default: the platform's, such as /run/espresso/helper.sock)"},
	{"verbose", "", "say on standard error what espressoctl does: the socket, each request to the helper and its answer"},
	{"version", "", "print espressoctl's version and exit"},
	{"help", "", "print the usage and exit"},
}

// jsonFlag is the flag of the commands that can print data for programs.
var jsonFlag = flagSpec{"json", "", "print JSON instead of text"}

// commands is the command table; filled in init because help refers to it.
var commands []command

func init() {
	commands = []command{
		{name: "list", summary: "list the profiles and their states", run: cmdList,
			flags: []flagSpec{jsonFlag},
			help: "Lists every profile the helper knows, with its gateway, authentication method and connection state. " +
				"With --json, prints a JSON array of the profiles (without secrets), each with its \"state\"."},
		{name: "import", args: "FILE", summary: "import a profile (Espresso .json or strongSwan .sswan)", run: cmdImport,
			flags: []flagSpec{{"replace", "", "replace a profile of the same name"}},
			help: "Imports the profile in FILE: an Espresso profile (.json) or a strongSwan profile (.sswan). " +
				"Files the profile names (certificates, keys, PKCS#12) are read with your permissions, relative to the profile's directory, and sent with it."},
		{name: "remove", args: "NAME", summary: "remove a profile", run: cmdRemove, profile: true,
			help: "Removes the profile NAME and its stored secrets. A connected profile must be disconnected first."},
		{name: "up", args: "NAME", summary: "connect; exits 0 once the tunnel is up", run: cmdUp, profile: true,
			flags: []flagSpec{{"password-stdin", "", "read the password from the first line of standard input"},
				{"replace", "", "first disconnect the connections whose networks overlap NAME's"}, jsonFlag},
			help: "Connects the profile NAME and waits until the tunnel is established and the system configured; " +
				"otherwise prints the reason in one line and exits with the failure's status (see `espressoctl help exit-codes`). " +
				"When the helper asks for the password, up asks on the terminal without echo and offers to remember it; " +
				"with standard input not a terminal, give it with --password-stdin. " +
				"A profile whose networks overlap those of an active connection is refused, naming both; with --replace, the connections in the way are disconnected first. " +
				"With --json, prints the connection's status as JSON."},
		{name: "down", args: "NAME", summary: "disconnect", run: cmdDown, profile: true,
			help: "Disconnects the profile NAME, and lifts its kill switch's block."},
		{name: "always-on", args: "[NAME | off]", summary: "show or set the default always-on profile", run: cmdAlwaysOn, profile: true,
			help: "Without an argument, prints the default always-on profile. With NAME, marks that profile: the helper connects it at its start and keeps it connected, " +
				"as it does every profile with \"auto_connect\": true, until you disconnect it with down, which holds it down until the next up. " +
				"`always-on off` clears the mark (`always-on -- off` marks a profile called off). Only the profile's owner or root may set or clear the mark."},
		{name: "status", args: "[NAME]", summary: "show the connections", run: cmdStatus, profile: true,
			flags: []flagSpec{jsonFlag},
			help: "Shows every connection, or the one of NAME: its state, gateway, virtual IPs and traffic, or why it failed or is reconnecting. " +
				"With --json, prints the status as the helper reports it (an array, or one object with NAME)."},
		{name: "logs", summary: "show the helper's log", run: cmdLogs,
			flags: []flagSpec{{"f", "", "follow: keep printing new entries until interrupted"},
				{"level", "LEVEL", "show only entries of LEVEL and more severe: debug, info, warn or error (default: all the helper keeps)"}, jsonFlag},
			help: "Prints the helper's recent log. With -f, keeps printing new entries until interrupted. " +
				"With --level, only the entries of that level and more severe. " +
				"With --json, prints one JSON object per entry and line. " +
				"The helper keeps entries from its log level up (see `espressoctl log-level`)."},
		{name: "log-level", args: "[debug|info|warn|error]", summary: "show or set the helper's log level", run: cmdLogLevel,
			help: "Without an argument, prints the helper's log level. With one, sets it; only root may, as every member of the group reads the log. " +
				"At debug the helper also logs each IKE message sent and received (exchange, message ID, payload types; never their contents) " +
				"and, at most every ten seconds per connection, the packets and IKE messages dropped by reason. " +
				"The level holds until the helper restarts; `espresso-helper run --log-level debug` starts it there."},
		{name: "diagnose", summary: "save a diagnostic bundle for a support request", run: cmdDiagnose,
			flags: []flagSpec{{"o", "FILE", "write the bundle to FILE (\"-\" for standard output) instead of espresso-diagnostics-DATE-TIME.tar.gz here"}},
			help: "Writes a .tar.gz bundle: espressoctl's and the helper's versions, the OS and kernel, the profiles you may view with their secrets replaced by \"stored\", " +
				"the connections' status, the helper's recent log, and the system's addresses, routes, policy rules, DNS and firewall state as the helper reads them. " +
				"Read it before you send it: it shows your network's addresses. The file is readable by you alone."},
		{name: "version", summary: "show espressoctl's and the helper's versions", run: cmdVersion,
			help: "Prints espressoctl's version and the running helper's, and says when the two differ, as after an upgrade whose helper has not restarted. " +
				"`espressoctl --version` prints espressoctl's alone, without asking the helper."},
		{name: "help", args: "[COMMAND | exit-codes]", summary: "describe a command or the exit statuses", run: cmdHelp, local: true,
			flags: []flagSpec{{"man", "", "print the manual page (roff)"}},
			help: "Without an argument, lists the commands. With COMMAND, describes it; `espressoctl COMMAND --help` does the same. " +
				"`help exit-codes` lists the exit statuses. With --man, prints the manual page espressoctl(1) in roff: `espressoctl help --man | man -l -`."},
		{name: "completion", args: "bash|zsh|fish", summary: "print a shell completion script", run: cmdCompletion, local: true,
			help: "Prints the completion script for the shell. Load it with `source <(espressoctl completion bash)` in ~/.bashrc, " +
				"`espressoctl completion zsh > \"${fpath[1]}/_espressoctl\"`, or `espressoctl completion fish > ~/.config/fish/completions/espressoctl.fish`."},
	}
}

// lookup returns the command called name.
func lookup(name string) (*command, bool) {
	i := slices.IndexFunc(commands, func(c command) bool { return c.name == name })
	if i < 0 {
		return nil, false
	}
	return &commands[i], true
}

// synopsis is the command's line in the usage: name, flags and operands.
func (c *command) synopsis() string {
	parts := []string{c.name}
	for _, f := range c.flags {
		parts = append(parts, "["+f.usage()+"]")
	}
	if c.args != "" {
		parts = append(parts, c.args)
	}
	return strings.Join(parts, " ")
}

func (f flagSpec) usage() string {
	s := "-" + f.name
	if len(f.name) > 1 {
		s = "--" + f.name
	}
	if f.arg != "" {
		s += " " + f.arg
	}
	return s
}

// wantsHelp reports whether args ask for help before any "--".
func wantsHelp(args []string) bool {
	for _, a := range args {
		switch a {
		case "--":
			return false
		case "-h", "-help", "--help":
			return true
		}
	}
	return false
}

// writeUsage writes the overall usage: synopsis, commands and flags.
func writeUsage(w io.Writer) {
	fmt.Fprint(w, "usage: espressoctl [--socket PATH] [--verbose] COMMAND [ARGS]\n\nCommands:\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, c := range commands {
		fmt.Fprintf(tw, "  %s\t%s\n", c.synopsis(), c.summary)
	}
	tw.Flush()
	fmt.Fprint(w, "\nFlags:\n")
	writeFlags(w, globalFlags)
	fmt.Fprint(w, "\n`espressoctl help COMMAND` describes a command; `espressoctl help exit-codes` lists the exit statuses.\n")
}

func writeFlags(w io.Writer, fs []flagSpec) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, f := range fs {
		fmt.Fprintf(tw, "  %s\t%s\n", f.usage(), f.help)
	}
	tw.Flush()
}

// writeCommandHelp writes `help COMMAND`.
func writeCommandHelp(w io.Writer, c *command) {
	fmt.Fprintf(w, "usage: espressoctl %s\n\n%s.\n\n", c.synopsis(), upperFirst(c.summary))
	for _, line := range wrap(c.help, 76) {
		fmt.Fprintln(w, line)
	}
	if len(c.flags) > 0 {
		fmt.Fprint(w, "\nFlags:\n")
		writeFlags(w, c.flags)
	}
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// wrap breaks text into lines of at most width characters at spaces.
func wrap(text string, width int) []string {
	var lines []string
	line := ""
	for _, word := range strings.Fields(text) {
		if line != "" && len(line)+1+len(word) > width {
			lines = append(lines, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	if line != "" {
		lines = append(lines, line)
	}
	return lines
}

func writeExitCodes(w io.Writer) {
	fmt.Fprint(w, "Exit statuses of espressoctl:\n")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, x := range exitCodes {
		fmt.Fprintf(tw, "  %d\t%s\n", x.code, x.text)
	}
	tw.Flush()
}

func cmdHelp(_ context.Context, e *env, args []string) error {
	if len(args) == 1 && (args[0] == "--man" || args[0] == "-man") {
		writeMan(e.stdout)
		return nil
	}
	switch {
	case len(args) == 0:
		writeUsage(e.stdout)
		return nil
	case len(args) > 1:
		return usageError("help takes one COMMAND, exit-codes or --man")
	case args[0] == "exit-codes":
		writeExitCodes(e.stdout)
		return nil
	}
	c, ok := lookup(args[0])
	if !ok {
		return usageError(fmt.Sprintf("no command %q", args[0]))
	}
	writeCommandHelp(e.stdout, c)
	return nil
}
