package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/helper/api"
)

func cmdUp(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("up", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	pwStdin := fs.Bool("password-stdin", false, "")
	asJSON := fs.Bool("json", false, "")
	replace := fs.Bool("replace", false, "")
	if err := fs.Parse(interspersed(args)); err != nil || fs.NArg() != 1 {
		return usageError("up takes one profile NAME")
	}
	name := fs.Arg(0)
	req := api.ConnectRequest{Replace: *replace}
	if *pwStdin {
		line, err := bufio.NewReader(e.stdin).ReadString('\n')
		if err != nil && !errors.Is(err, io.EOF) {
			return fmt.Errorf("reading the password: %w", err)
		}
		req.Password = strings.TrimRight(line, "\r\n")
	}
	var st api.ConnectionStatus
	var err error
	switch {
	case req.Password == "" && e.term != nil:
		st, err = e.upAnswering(ctx, name, req)
	case req.Password == "":
		if p, perr := e.client.Profile(ctx, name); perr == nil && p.Auth == api.AuthEAPMSCHAPv2 && !p.HasPassword {
			// Nobody here could answer the helper's question.
			return fmt.Errorf("%s stores no password and standard input is not a terminal to ask for it on; pass it with --password-stdin", name)
		}
		st, err = e.client.Connect(ctx, name, req, true)
	default:
		st, err = e.client.Connect(ctx, name, req, true)
	}
	var ae *api.Error
	if errors.As(err, &ae) && ae.Field == api.FieldPassword {
		// A helper older than the prompt protocol refuses instead of
		// asking.
		return fmt.Errorf("%s has no stored password; pass one with --password-stdin", name)
	}
	if errors.As(err, &ae) && ae.Code == api.CodeConnectFailed {
		// The profile names the user or the method in the sentence.
		var pp *api.Profile
		if p, perr := e.client.Profile(ctx, name); perr == nil {
			pp = &p
		}
		msg := reason(ae.ErrorCode, ae.Message, pp)
		if msg != ae.Message {
			msg += " (" + ae.Message + ")"
		}
		if ae.ErrorCode == api.FailureNetworksOverlap && !req.Replace {
			msg += " (espressoctl up --replace " + name + ")"
		}
		return &explained{msg: msg, err: err}
	}
	if err != nil {
		return err
	}
	if *asJSON {
		return writeJSON(e.stdout, st)
	}
	fmt.Fprintf(e.stdout, "%s: connected to %s%s\n", name, st.Gateway, addrsNote(st))
	return nil
}

// explained is an error reworded for a person that keeps the error it
// words, whose codes decide the exit status.
type explained struct {
	msg string
	err error
}

func (e *explained) Error() string { return e.msg }
func (e *explained) Unwrap() error { return e.err }

// writeJSON writes v as indented JSON.
func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// interspersed moves the flags in args before the operands, so that a
// flag may follow the profile's name as well as precede it.
func interspersed(args []string) []string {
	var flags, operands []string
	for i, a := range args {
		if a == "--" {
			operands = append(operands, args[i:]...)
			break
		}
		if strings.HasPrefix(a, "-") && a != "-" {
			flags = append(flags, a)
		} else {
			operands = append(operands, a)
		}
	}
	return append(flags, operands...)
}

func addrsNote(st api.ConnectionStatus) string {
	if len(st.VirtualIPs) == 0 {
		return ""
	}
	return " (virtual IP " + strings.Join(st.VirtualIPs, ", ") + ")"
}

// dnsNote names the tunnel's name servers and the domains whose names
// they answer (split DNS), if any.
func dnsNote(st api.ConnectionStatus) string {
	if len(st.DNS) == 0 {
		return ""
	}
	note := ", DNS " + strings.Join(st.DNS, ", ")
	if len(st.DNSDomains) > 0 {
		note += " for " + strings.Join(st.DNSDomains, ", ")
	}
	return note
}

func cmdDown(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usageError("down takes one profile NAME")
	}
	st, err := e.client.Disconnect(ctx, args[0])
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s: %s\n", st.Name, st.State)
	return nil
}

func cmdStatus(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("status", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	// Allow the flag after the name too.
	var name string
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		name, args = args[0], args[1:]
	}
	if err := fs.Parse(args); err != nil || fs.NArg() > 1 || (name != "" && fs.NArg() > 0) {
		return usageError("status takes at most one profile NAME")
	}
	if name == "" {
		name = fs.Arg(0)
	}
	var sts []api.ConnectionStatus
	if name != "" {
		st, err := e.client.StatusOf(ctx, name)
		if err != nil {
			return err
		}
		sts = []api.ConnectionStatus{st}
	} else {
		var err error
		if sts, err = e.client.Status(ctx); err != nil {
			return err
		}
	}
	if *asJSON {
		if name != "" {
			return writeJSON(e.stdout, sts[0])
		}
		return writeJSON(e.stdout, sts)
	}
	if len(sts) == 0 {
		fmt.Fprintln(e.stdout, "no profiles; add one with: espressoctl import FILE")
	}
	profiles := profilesForReasons(ctx, e, sts)
	now := time.Now()
	for _, st := range sts {
		var p *api.Profile
		if pr, ok := profiles[st.Name]; ok {
			p = &pr
		}
		fmt.Fprintln(e.stdout, describe(st, p, now))
	}
	return nil
}

// profilesForReasons reads the profiles when a status has a failure to
// explain, whose sentence may name the user or the method. Without them
// the sentences are more general, so an error only costs that.
func profilesForReasons(ctx context.Context, e *env, sts []api.ConnectionStatus) map[string]api.Profile {
	need := false
	for _, st := range sts {
		need = need || st.ErrorCode != "" || st.Reconnect != nil
	}
	if !need {
		return nil
	}
	ps, err := e.client.Profiles(ctx)
	if err != nil {
		return nil
	}
	out := make(map[string]api.Profile, len(ps))
	for _, p := range ps {
		out[p.Name] = p
	}
	return out
}

// reason words a failure for a line: the app's sentence when the helper's
// code is one the app knows, else the helper's own words. p may be nil.
func reason(code api.FailureCode, text string, p *api.Profile) string {
	if explain.FromCode(code) == explain.ReasonUnknown {
		return text
	}
	return lowerFirst(explain.ForCode(code, text, p).Problem)
}

// lowerFirst lower-cases a sentence's first letter for the middle of a
// line, unless it starts a word in capitals ("IKE", a host name).
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	next, _ := utf8.DecodeRuneInString(s[n:])
	if !unicode.IsLower(next) {
		return s
	}
	return string(unicode.ToLower(r)) + s[n:]
}

// describe renders one status as a line a person reads; p is its profile,
// nil if unknown, and now the time the reconnection's wait counts from.
func describe(st api.ConnectionStatus, p *api.Profile, now time.Time) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s", st.Name, st.State)
	if st.AlwaysOn {
		b.WriteString(" (always-on)")
	}
	if st.Standby != "" {
		// What keeps an always-on connection down: a trusted network,
		// or the user's own down.
		fmt.Fprintf(&b, ": %s", st.Standby)
	}
	switch st.State {
	case api.StateConnected:
		fmt.Fprintf(&b, " to %s", st.Gateway)
		if st.EstablishedAt != nil {
			fmt.Fprintf(&b, " since %s", st.EstablishedAt.Local().Format(time.DateTime))
		}
		b.WriteString(addrsNote(st))
		b.WriteString(dnsNote(st))
		if st.KeyExchanges != "" {
			fmt.Fprintf(&b, ", key exchange %s", st.KeyExchanges)
		}
		fmt.Fprintf(&b, ", in %s / out %s", bytesize(st.BytesIn), bytesize(st.BytesOut))
		if len(st.Blocked) > 0 {
			fmt.Fprintf(&b, ", blocked %s (not granted by the gateway)", strings.Join(st.Blocked, ", "))
		}
		if st.LastError != "" {
			// A problem that left the tunnel up, such as a failed rekey.
			fmt.Fprintf(&b, "; %s", reason(st.ErrorCode, st.LastError, p))
		}
	case api.StateReconnecting:
		if r := st.Reconnect; r != nil {
			fmt.Fprintf(&b, ": %s", explain.Progress(r, now))
			if r.Reason != "" {
				fmt.Fprintf(&b, ": %s", reason(r.ErrorCode, r.Reason, p))
			}
		} else if st.LastError != "" {
			fmt.Fprintf(&b, ": %s", reason(st.ErrorCode, st.LastError, p))
		}
	case api.StateFailed:
		if st.LastError != "" {
			fmt.Fprintf(&b, ": %s", reason(st.ErrorCode, st.LastError, p))
		}
	}
	return b.String()
}

func bytesize(n uint64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := uint64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %cB", float64(n)/float64(div), "kMGTPE"[exp])
}

func cmdLogs(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("logs", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	follow := fs.Bool("f", false, "")
	asJSON := fs.Bool("json", false, "")
	levelName := fs.String("level", string(api.LevelDebug), "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return usageError("logs takes no arguments")
	}
	level, err := api.ParseLevel(*levelName)
	if err != nil {
		return usageError(fmt.Sprintf("unknown level %q: debug, info, warn or error", *levelName))
	}
	enc := json.NewEncoder(e.stdout)
	s, err := e.client.Logs(ctx, *follow)
	if err != nil {
		return err
	}
	defer s.Close()
	for {
		entry, err := s.Next()
		switch {
		case errors.Is(err, io.EOF):
			return nil
		case ctx.Err() != nil:
			return nil // interrupted while following
		case err != nil:
			return err
		}
		if entry.Level.Rank() < level.Rank() {
			continue
		}
		if *asJSON {
			if err := enc.Encode(entry); err != nil {
				return err
			}
			continue
		}
		conn := ""
		if entry.Connection != "" {
			conn = " [" + entry.Connection + "]"
		}
		fmt.Fprintf(e.stdout, "%s %-5s%s %s\n", entry.Time.Local().Format(time.DateTime), entry.Level, conn, entry.Message)
	}
}

func cmdAlwaysOn(ctx context.Context, e *env, args []string) error {
	var a api.AlwaysOn
	var err error
	switch {
	case len(args) == 0:
		a, err = e.client.AlwaysOn(ctx)
	case len(args) == 1 && args[0] == "off":
		a, err = e.client.SetAlwaysOn(ctx, "")
	case len(args) == 1 && !strings.HasPrefix(args[0], "-"):
		a, err = e.client.SetAlwaysOn(ctx, args[0])
	case len(args) == 2 && args[0] == "--":
		a, err = e.client.SetAlwaysOn(ctx, args[1])
	default:
		return usageError("always-on takes one profile NAME or off")
	}
	if err != nil {
		return err
	}
	if a.Profile == "" {
		fmt.Fprintln(e.stdout, "no default always-on profile")
		return nil
	}
	fmt.Fprintf(e.stdout, "default always-on profile: %s\n", a.Profile)
	return nil
}
