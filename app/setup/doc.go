// Package setup finds the Espresso helper on this computer and builds the
// command that installs and starts it as a system service with the
// administrator's consent: pkexec on Linux, an administrator prompt through
// osascript on macOS, and on FreeBSD, which has no graphical prompt in its
// base system, the command for the user to run as root.
//
// The commands are data (Command) built for a given GOOS, so tests check
// every platform's command on any platform; Exec runs one.
package setup
