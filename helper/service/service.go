// Package service describes espresso-helper to the system's service
// manager (systemd, launchd, FreeBSD rc.d) through
// github.com/kardianos/service, with the per-OS default paths and a
// restart policy that brings a crashed helper back within seconds.
package service

import (
	"github.com/kardianos/service"
)

// Name is the service's name in the service manager.
const Name = "espresso-helper"

// Paths are where a helper listens and keeps its state.
type Paths struct {
	Socket   string
	StateDir string
}

// systemdUnit replaces the library's default unit, whose RestartSec=120
// would leave users without the helper for two minutes after a crash.
// It uses the library's template keys: Description, Path and Arguments.
// StartLimitIntervalSec=0 keeps systemd restarting however often the
// helper crashes.
const systemdUnit = `[Unit]
Description={{Description}}
ConditionFileIsExecutable={{Path | cmdEscape}}
After=network-online.target
Wants=network-online.target
StartLimitIntervalSec=0

[Service]
ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}
Restart=always
RestartSec=2

[Install]
WantedBy=multi-user.target
`

// RestartDelaySeconds is how soon systemd restarts a helper that died.
// launchd (KeepAlive) restarts at once, up to its throttle interval of
// ten seconds; FreeBSD's daemon(8) -r after one second.
const RestartDelaySeconds = 2

// Config returns the service definition: the executable is run as
// "<exe> run --socket ... --state-dir ...", started at boot and restarted
// after a crash.
func Config(executable string, p Paths) *service.Config {
	return &service.Config{
		Name:        Name,
		DisplayName: "Espresso VPN helper",
		Description: "Espresso VPN privileged helper: connections, routes and DNS for the Espresso app",
		Executable:  executable,
		Arguments:   []string{"run", "--socket", p.Socket, "--state-dir", p.StateDir},
		Option: service.KeyValue{
			// systemd
			"SystemdScript": systemdUnit,
			// launchd: start at boot, restart whenever it exits.
			"RunAtLoad": true,
			"KeepAlive": true,
		},
	}
}
