package eaptls

import (
	"crypto/tls"
	"errors"
	"net"
)

// session is one TLS endpoint over a pipe with the goroutine that runs it.
// The goroutine writes the fields below before it blocks in Read or ends,
// and the EAP side reads them only after pipe.exchange has seen that, so the
// pipe's mutex orders the accesses.
type session struct {
	pipe    *pipe
	conn    *tls.Conn
	keyLog  keyLog
	started bool

	hsErr   error // the handshake failed
	hsDone  bool
	state   tls.ConnectionState
	postErr error // reading after the handshake failed
	// committed: TLS 1.3 only, the server's commitment message arrived
	// (RFC 9190 §2.5), or was sent on the authenticator side.
	committed bool
}

// start runs fn in the session's goroutine and returns the first flight.
func (s *session) start(fn func()) ([]byte, bool) {
	s.started = true
	go func() {
		defer s.pipe.end()
		fn()
	}()
	return s.pipe.exchange(nil)
}

// close stops the goroutine if it runs and forgets the master secret.
func (s *session) close() {
	if s.started {
		s.pipe.Close()
	}
	s.keyLog.wipe()
}

// remoteAlert reports whether err is a TLS alert the other side sent,
// which crypto/tls returns as a *net.OpError with Op "remote error".
func remoteAlert(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "remote error"
}
