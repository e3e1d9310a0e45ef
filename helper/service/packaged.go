package service

import (
	"context"
	"fmt"
	"os"
)

// Packaged reports whether an OS package (packaging/ at the repository's
// root) installed the helper's service definition, which then takes the
// place of the one install would write.
func Packaged() bool {
	for _, f := range packagedDefinitions {
		if fi, err := os.Stat(f); err == nil && fi.Mode().IsRegular() {
			return true
		}
	}
	return false
}

// StartPackaged starts the service the OS package installed.
func StartPackaged(ctx context.Context, r Runner) error {
	for _, argv := range packagedStart {
		if out, err := r.Run(ctx, argv[0], argv[1:]...); err != nil {
			return fmt.Errorf("%s: %v: %s", argv[0], err, out)
		}
	}
	return nil
}
