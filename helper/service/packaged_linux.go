package service

// packagedDefinitions are where the .deb and .rpm install the unit.
var packagedDefinitions = []string{
	"/usr/lib/systemd/system/" + Name + ".service",
	"/lib/systemd/system/" + Name + ".service",
}

// packagedStart starts the packaged unit.
var packagedStart = [][]string{{"systemctl", "start", Name + ".service"}}
