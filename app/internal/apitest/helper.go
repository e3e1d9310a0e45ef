package apitest

import (
	"context"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/server"
	"github.com/espressovpn/espresso/helper/session"
)

// ServeHelper serves srv, the real helper's API server over the
// connection manager mgr, on a Unix socket at sock, for tests that need
// the helper itself rather than the stand-in. When the test ends, mgr's
// connections are closed and srv is shut down.
func ServeHelper(t testing.TB, srv *server.Server, mgr *conn.Manager, sock string) {
	t.Helper()
	ln, err := server.Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		mgr.Close(ctx)
		srv.Shutdown(ctx)
		<-done
	})
}

// UpSession is a connection to the gateway that is up from the start and
// never fails, for a fake session.Dialer of the helper served by
// ServeHelper to return.
type UpSession struct{ done chan struct{} }

// NewUpSession returns a session that is up.
func NewUpSession() *UpSession { return &UpSession{done: make(chan struct{})} }

func (s *UpSession) Info() session.Info {
	return session.Info{IKEProposal: "aes256gcm16-prfsha384-x25519", Encapsulation: api.EncapsulationUDP, EstablishedAt: time.Now()}
}
func (s *UpSession) Counters() session.Counters { return session.Counters{} }
func (s *UpSession) Done() <-chan struct{}      { return s.done }
func (s *UpSession) Err() error                 { return nil }
func (s *UpSession) Close() error               { return nil }
