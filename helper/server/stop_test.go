package server

import (
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/helper/profile"
)

// A helper that is stopping closes its listener first: the watch streams
// go on and follow the connections down, a client that dials finds no
// helper, a watch on a connection still open is refused, and the streams
// end only when the manager closes.
func TestStopAcceptingRefusesWatchesAndKeepsStreams(t *testing.T) {
	h := startWatched(t, fakeDialer{}, pskProfile("work"))
	ctx, w := h.ctx, h.watch
	if ev, err := w.Next(); err != nil || ev.Kind != api.EventSnapshot {
		t.Fatalf("snapshot = %+v, %v", ev, err)
	}
	if _, err := h.client.Connect(ctx, "work", api.ConnectRequest{}, true); err != nil {
		t.Fatal(err)
	}
	for {
		ev, err := w.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == api.EventStatus && ev.Connection.State == api.StateConnected {
			break
		}
	}

	if err := h.srv.StopAccepting(); err != nil {
		t.Fatalf("StopAccepting: %v", err)
	}
	c := api.NewClient(h.sock)
	defer c.CloseIdleConnections()
	if _, err := c.Watch(ctx); !errors.Is(err, api.ErrHelperNotRunning) {
		t.Fatalf("watch dialled after StopAccepting: %v, want ErrHelperNotRunning", err)
	}
	code, body := h.as(t, root, http.MethodGet, api.PathWatch, "", nil)
	if code != http.StatusServiceUnavailable || !strings.Contains(body, `"code":"stopping"`) {
		t.Fatalf("watch while stopping: %d %s, want 503 and code stopping", code, body)
	}

	// The stream opened before is still the manager's: it sees the
	// connection come down, and ends when the manager closes.
	closed := make(chan error, 1)
	go func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		closed <- h.srv.cfg.Manager.Close(cctx)
	}()
	var last api.State
	for {
		ev, err := w.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("stream while the manager closes: %v", err)
		}
		if ev.Kind == api.EventStatus && ev.Connection.Name == "work" {
			last = ev.Connection.State
		}
	}
	if last == "" || last == api.StateConnected {
		t.Errorf("last state seen before the stream ended: %q, want the connection going down", last)
	}
	if err := <-closed; err != nil {
		t.Errorf("manager Close: %v", err)
	}
}

// Shutdown alone also closes the listener before it ends the streams: a
// client that reopens its stream the moment it ends finds no helper.
func TestShutdownClosesListenerBeforeStreams(t *testing.T) {
	h := startWatched(t, fakeDialer{}, pskProfile("work"))
	w := h.watch
	if _, err := w.Next(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		done <- h.srv.Shutdown(ctx)
	}()
	for {
		if _, err := w.Next(); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("stream on Shutdown: %v, want EOF", err)
			}
			break
		}
	}
	if s, err := h.client.Watch(h.ctx); !errors.Is(err, api.ErrHelperNotRunning) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("reopen right after the stream ended: %v, want ErrHelperNotRunning", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
}

// Serve returns http.ErrServerClosed after StopAccepting, as after
// Shutdown, and removes the socket; a Serve that starts after
// StopAccepting closes its listener at once.
func TestServeEndsOnStopAccepting(t *testing.T) {
	dir := t.TempDir()
	store, err := profile.Open(filepath.Join(dir, "profiles"))
	if err != nil {
		t.Fatal(err)
	}
	log := logring.New(10, nil, nil)
	mgr := conn.NewManager(fakeDialer{}, log, conn.DefaultRetryPolicy)
	defer mgr.Close(context.Background())
	srv := New(Config{Store: store, Manager: mgr, Log: log, Version: "test"})
	sock := filepath.Join(dir, "helper.sock")
	ln, err := Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	if err := srv.StopAccepting(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("Serve = %v, want http.ErrServerClosed", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after StopAccepting")
	}
	if _, err := api.NewClient(sock).Version(context.Background()); !errors.Is(err, api.ErrHelperNotRunning) {
		t.Errorf("after StopAccepting: %v, want ErrHelperNotRunning", err)
	}
	if err := srv.StopAccepting(); err != nil {
		t.Errorf("StopAccepting again: %v", err)
	}
	if err := srv.Shutdown(context.Background()); err != nil {
		t.Errorf("Shutdown after StopAccepting: %v", err)
	}

	// Serve after StopAccepting.
	ln, err = Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		t.Errorf("Serve after StopAccepting = %v, want http.ErrServerClosed", err)
	}
	if _, err := api.NewClient(sock).Version(context.Background()); !errors.Is(err, api.ErrHelperNotRunning) {
		t.Errorf("Serve after StopAccepting left the socket: %v", err)
	}
}
