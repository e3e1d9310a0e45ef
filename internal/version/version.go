// Package version is Espresso's release version, one for the app, the
// helper, the CLI and the packages.
//
// The Makefile stamps it at link time from git describe (see
// packaging/version.sh):
//
//	go build -ldflags "-X github.com/espressovpn/espresso/internal/version.stamp=0.1.0+3.gabcdef0" ...
//
// A binary built without the stamp (go build, go install) reports what
// the Go toolchain recorded of the module and its VCS revision instead.
package version

import (
	"runtime/debug"
	"strings"
)

// stamp is set by the linker; empty when the build did not set it.
var stamp string

// String returns the version: the link-time stamp, else the module
// version from the build information, else "devel" with the VCS revision.
func String() string {
	if stamp != "" {
		return stamp
	}
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return "devel"
	}
	return fromBuildInfo(bi)
}

// fromBuildInfo derives a version from what the toolchain recorded.
func fromBuildInfo(bi *debug.BuildInfo) string {
	if v := bi.Main.Version; v != "" && v != "(devel)" {
		return strings.TrimPrefix(v, "v")
	}
	var rev, modified string
	for _, s := range bi.Settings {
		switch s.Key {
		case "vcs.revision":
			rev = s.Value
		case "vcs.modified":
			modified = s.Value
		}
	}
	if rev == "" {
		return "devel"
	}
	if len(rev) > 12 {
		rev = rev[:12]
	}
	v := "devel+g" + rev
	if modified == "true" {
		v += ".dirty"
	}
	return v
}
