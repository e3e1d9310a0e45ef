package service

// LaunchdLabel is the launchd job of the macOS package
// (packaging/darwin).
const LaunchdLabel = "org.espressovpn.helper"

// packagedDefinitions are where the .pkg installs the launchd job.
var packagedDefinitions = []string{"/Library/LaunchDaemons/" + LaunchdLabel + ".plist"}

// packagedStart enables and starts the packaged job.
var packagedStart = [][]string{
	{"launchctl", "enable", "system/" + LaunchdLabel},
	{"launchctl", "kickstart", "system/" + LaunchdLabel},
}
