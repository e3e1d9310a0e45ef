package service

// rcName is the rc.d script of the FreeBSD package (packaging/freebsd).
const rcName = "espresso_helper"

// packagedDefinitions are where the package installs the rc.d script.
var packagedDefinitions = []string{"/usr/local/etc/rc.d/" + rcName}

// packagedStart enables the service in rc.conf and starts it.
var packagedStart = [][]string{
	{"sysrc", rcName + "_enable=YES"},
	{"service", rcName, "start"},
}
