package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/espressovpn/espresso/app/diagnose"
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/internal/version"
)

// cmdLogLevel prints or sets the helper's log level.
func cmdLogLevel(ctx context.Context, e *env, args []string) error {
	switch len(args) {
	case 0:
		l, err := e.client.LogLevel(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintln(e.stdout, l)
		return nil
	case 1:
	default:
		return usageError("log-level takes at most one LEVEL")
	}
	l, err := api.ParseLevel(args[0])
	if err != nil {
		return usageError(fmt.Sprintf("unknown level %q: debug, info, warn or error", args[0]))
	}
	err = e.client.SetLogLevel(ctx, l)
	var ae *api.Error
	if errors.As(err, &ae) && ae.Code == api.CodeForbidden {
		return &explained{msg: "only root may change the helper's log level (every member of the group reads the log): run it with sudo", err: err}
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "the helper now logs from %s up\n", l)
	return nil
}

// cmdDiagnose writes a diagnostic bundle.
func cmdDiagnose(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("diagnose", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	out := fs.String("o", "", "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return usageError("diagnose takes only -o FILE")
	}
	now := time.Now()
	client := diagnose.Client{Name: "espressoctl", Version: version.String()}
	var pe *diagnose.PartialError
	if *out == "-" {
		d, partial := diagnose.Collect(ctx, e.client)
		if err := diagnose.Write(e.stdout, d, partial, client, now); err != nil {
			return err
		}
		if errors.As(partial, &pe) {
			return pe.Err
		}
		return nil
	}
	path := *out
	if path == "" {
		path = diagnose.FileName(now)
	}
	err := diagnose.Save(ctx, e.client, client, path, now)
	switch {
	case errors.As(err, &pe):
		// The bundle is written, and says why it lacks the helper's
		// part; the exit status says it too.
		fmt.Fprintf(e.stdout, "wrote %s without the helper's part\n", path)
		return pe.Err
	case err != nil:
		return err
	}
	fmt.Fprintf(e.stdout, "wrote %s; read it before you send it on: it shows your network's addresses and routes\n", path)
	return nil
}
