package apitest

import (
	"context"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/server"
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
