package service

import (
	"github.com/kardianos/service"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/logring"
)

// SystemLog returns a sink that writes the helper's log entries of level
// info and above to l, the service manager's system logger (syslog, which
// journald also reads, on Linux and FreeBSD; syslog, which the unified
// log keeps, on macOS), each at its own priority. Debug entries stay in
// the helper's own log: raising the verbosity must not flood the system's.
// Entries never hold secrets (logring.Ring.Logf).
func SystemLog(l service.Logger) logring.Sink { return systemLog{l} }

type systemLog struct{ l service.Logger }

func (s systemLog) Log(e api.LogEntry) {
	msg := e.Message
	if e.Connection != "" {
		msg = "[" + e.Connection + "] " + msg
	}
	switch e.Level {
	case api.LevelError:
		_ = s.l.Error(msg)
	case api.LevelWarn:
		_ = s.l.Warning(msg)
	case api.LevelInfo:
		_ = s.l.Info(msg)
	}
}
