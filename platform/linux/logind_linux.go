package linux

import (
	"sync"

	"github.com/godbus/dbus/v5"
)

// systemd-logind's D-Bus names (org.freedesktop.login1(5)).
const (
	logindName      = "org.freedesktop.login1"
	logindPath      = dbus.ObjectPath("/org/freedesktop/login1")
	logindInterface = "org.freedesktop.login1.Manager"
	logindSleep     = "PrepareForSleep"
)

// logindWatch tells about resumes as systemd-logind announces them: its
// PrepareForSleep signal carries true before the system suspends and
// false once it has resumed. It is quicker and surer than the clock
// comparison, which remains the fallback where logind or the system bus
// is missing. Its goroutine ends in close.
type logindWatch struct {
	conn *dbus.Conn
	done chan struct{}
	once sync.Once
}

// watchLogind subscribes on the bus at address (the system bus when
// empty) and calls resumed at every resume.
func watchLogind(address string, resumed func()) (*logindWatch, error) {
	var (
		conn *dbus.Conn
		err  error
	)
	if address == "" {
		conn, err = dbus.ConnectSystemBus()
	} else {
		conn, err = dbus.Connect(address)
	}
	if err != nil {
		return nil, err
	}
	err = conn.AddMatchSignal(
		dbus.WithMatchSender(logindName),
		dbus.WithMatchObjectPath(logindPath),
		dbus.WithMatchInterface(logindInterface),
		dbus.WithMatchMember(logindSleep),
	)
	if err != nil {
		conn.Close()
		return nil, err
	}
	ch := make(chan *dbus.Signal, 8)
	conn.Signal(ch)
	w := &logindWatch{conn: conn, done: make(chan struct{})}
	go func() {
		defer close(w.done)
		// The connection closes ch when it is closed.
		for sig := range ch {
			if isResume(sig) {
				resumed()
			}
		}
	}()
	return w, nil
}

// isResume reports whether sig is PrepareForSleep(false).
func isResume(sig *dbus.Signal) bool {
	if sig.Name != logindInterface+"."+logindSleep || sig.Path != logindPath || len(sig.Body) != 1 {
		return false
	}
	sleeping, ok := sig.Body[0].(bool)
	return ok && !sleeping
}

func (w *logindWatch) close() {
	w.once.Do(func() { w.conn.Close() })
	<-w.done
}
