// Package install tests the Linux packages that `make package` builds
// (packaging/linux): as root, it installs the .deb on this machine with
// dpkg, checks what it put where, runs the helper from the installed
// systemd unit's ExecStart line and talks to it with the installed
// espressoctl, then purges the package and checks that nothing it made
// is left. It also runs lintian and systemd-analyze on what it
// installed, and compares the .rpm's file list with the .deb's.
//
// The packages come from the directory named by DistEnv (the Makefile's
// test target sets it after building them); without it, or without
// root, dpkg or a clean machine, the tests skip and say why.
package install

// DistEnv names the directory holding espresso_VERSION_amd64.deb and
// espresso-VERSION.x86_64.rpm.
const DistEnv = "ESPRESSO_DIST"
