package main

import (
	"context"
	"fmt"

	"github.com/espressovpn/espresso/internal/version"
)

// cmdVersion prints this program's version and the running helper's,
// and says when the two differ: an app or CLI newer or older than the
// helper it drives is the usual sign of a half-finished upgrade.
func cmdVersion(ctx context.Context, e *env, args []string) error {
	if len(args) != 0 {
		return usageError("version takes no arguments")
	}
	mine := version.String()
	fmt.Fprintln(e.stdout, "espressoctl", mine)
	v, err := e.client.Version(ctx)
	if err != nil {
		return fmt.Errorf("asking the helper for its version: %w", err)
	}
	fmt.Fprintf(e.stdout, "espresso-helper %s (API %s, %s/%s)\n", v.Helper, v.API, v.OS, v.Arch)
	if v.Helper != mine {
		fmt.Fprintf(e.stdout, "the versions differ: the helper runs %s and espressoctl is %s; restart the helper after an upgrade\n", v.Helper, mine)
	}
	return nil
}
