package apitest

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

func start(t *testing.T) (*Server, *api.Client) {
	t.Helper()
	s := New(filepath.Join(t.TempDir(), "helper.sock"), Options{})
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	c := api.NewClient(s.Socket())
	t.Cleanup(func() {
		c.CloseIdleConnections()
		s.Stop()
	})
	return s, c
}

var work = api.Profile{Name: "work", Gateway: "192.0.2.1", Auth: api.AuthPSK, PSK: "correct horse"}

func TestProfilesKeepSecretsAndNeverReturnThem(t *testing.T) {
	s, c := start(t)
	ctx := context.Background()
	got, err := c.CreateProfile(ctx, work, false)
	if err != nil {
		t.Fatal(err)
	}
	if got.PSK != "" || !got.HasPSK {
		t.Errorf("answer carries the PSK or lacks has_psk (has_psk=%v)", got.HasPSK)
	}
	got.MTU = 1300
	if _, err := c.UpdateProfile(ctx, got); err != nil {
		t.Fatal(err)
	}
	stored, _ := s.StoredProfile("work")
	if stored.PSK != work.PSK || stored.MTU != 1300 {
		t.Error("update lost the stored PSK or the new MTU")
	}
	_, err = c.CreateProfile(ctx, work, false)
	if !errors.Is(err, &api.Error{Code: api.CodeExists}) {
		t.Errorf("second create: %v, want CodeExists", err)
	}
	bad := work
	bad.Name = "other"
	bad.Gateway = "no such host!"
	_, err = c.CreateProfile(ctx, bad, false)
	var e *api.Error
	if !errors.As(err, &e) || e.Field != "gateway" {
		t.Errorf("invalid gateway: %v, want a gateway field error", err)
	}
}

func TestConnectOutcomesAndWatch(t *testing.T) {
	s, c := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := s.AddProfile(work); err != nil {
		t.Fatal(err)
	}
	w, err := c.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	ev, err := w.Next()
	if err != nil || ev.Kind != api.EventSnapshot || len(ev.Connections) != 1 || ev.Connections[0].State != api.StateDisconnected {
		t.Fatalf("snapshot = %+v, %v", ev, err)
	}

	s.SetOutcome("work", Outcome{Hold: true, Connected: DefaultConnected})
	st, err := c.Connect(ctx, "work", api.ConnectRequest{}, false)
	if err != nil || st.State != api.StateConnecting {
		t.Fatalf("connect = %+v, %v", st, err)
	}
	if ev, _ = w.Next(); ev.Connection == nil || ev.Connection.State != api.StateConnecting {
		t.Fatalf("event = %+v, want connecting", ev)
	}
	if err := s.Complete("work"); err != nil {
		t.Fatal(err)
	}
	if ev, _ = w.Next(); ev.Connection == nil || ev.Connection.State != api.StateConnected || ev.Connection.EstablishedAt == nil {
		t.Fatalf("event = %+v, want connected with a time", ev)
	}
	if err := c.RemoveProfile(ctx, "work"); !errors.Is(err, &api.Error{Code: api.CodeBusy}) {
		t.Errorf("remove while connected: %v, want CodeBusy", err)
	}
	if _, err := c.Disconnect(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	if ev, _ = w.Next(); ev.Connection == nil || ev.Connection.State != api.StateDisconnected {
		t.Fatalf("event = %+v, want disconnected", ev)
	}

	s.SetOutcome("work", Outcome{Fail: "AUTHENTICATION_FAILED", Code: api.FailureAuthLocal})
	_, err = c.Connect(ctx, "work", api.ConnectRequest{}, true)
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeConnectFailed || e.ErrorCode != api.FailureAuthLocal {
		t.Errorf("failing connect with wait: %v", err)
	}
	for ev.Connection == nil || ev.Connection.State != api.StateFailed {
		if ev, err = w.Next(); err != nil {
			t.Fatal(err)
		}
	}
	if ev.Connection.ErrorCode != api.FailureAuthLocal {
		t.Errorf("failed event = %+v", ev.Connection)
	}

	next := time.Date(2026, 3, 4, 10, 0, 8, 0, time.UTC)
	if err := s.Reconnecting("work", api.Reconnect{Attempt: 2, NextAt: &next, Reason: "no answer", ErrorCode: api.FailurePeerUnreachable}); err != nil {
		t.Fatal(err)
	}
	if ev, _ = w.Next(); ev.Connection == nil || ev.Connection.State != api.StateReconnecting || ev.Connection.Reconnect == nil ||
		ev.Connection.Reconnect.Attempt != 2 || !ev.Connection.Reconnect.NextAt.Equal(next) || ev.Connection.ErrorCode != api.FailurePeerUnreachable {
		t.Errorf("reconnecting event = %+v", ev.Connection)
	}
	if err := s.Reconnecting("nobody", api.Reconnect{}); err == nil {
		t.Error("Reconnecting an unknown profile succeeded")
	}
}

func TestStopEndsStreamsAndStartServesAgain(t *testing.T) {
	s, c := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w, err := c.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close()
	if _, err := w.Next(); err != nil {
		t.Fatal(err)
	}
	s.Stop()
	if _, err := w.Next(); err == nil {
		t.Fatal("the watch stream survived Stop")
	}
	if _, err := c.Version(ctx); !errors.Is(err, api.ErrHelperNotRunning) {
		t.Errorf("stopped: %v, want ErrHelperNotRunning", err)
	}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Version(ctx); err != nil {
		t.Errorf("restarted: %v", err)
	}
}

// A client that reopens its watch stream the moment Stop ends it, as the
// app's watcher does, finds no helper: Stop must not leave the listener
// open after the streams end, or the reopen reaches a server going away
// (an EOF, or a snapshot of the state before the restart).
func TestReopenAfterStopFindsNoHelper(t *testing.T) {
	s, c := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for round := range 20 {
		w, err := c.Watch(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Next(); err != nil {
			t.Fatal(err)
		}
		stopped := make(chan struct{})
		go func() {
			defer close(stopped)
			s.Stop()
		}()
		for err == nil {
			_, err = w.Next()
		}
		w.Close()
		if ctx.Err() != nil {
			t.Fatal("the watch stream did not end on Stop")
		}
		if w2, err := c.Watch(ctx); !errors.Is(err, api.ErrHelperNotRunning) {
			if err == nil {
				w2.Close()
			}
			t.Fatalf("round %d: reopen right after the stream ended: %v, want ErrHelperNotRunning", round, err)
		}
		<-stopped
		if err := s.Start(); err != nil {
			t.Fatal(err)
		}
	}
}

func TestLogsFollow(t *testing.T) {
	s, c := start(t)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s.Log(api.LevelInfo, "", "helper started")
	l, err := c.Logs(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if e, err := l.Next(); err != nil || e.Message != "helper started" {
		t.Fatalf("first entry = %+v, %v", e, err)
	}
	s.Log(api.LevelError, "work", "no response")
	if e, err := l.Next(); err != nil || e.Seq != 2 || e.Connection != "work" {
		t.Fatalf("followed entry = %+v, %v", e, err)
	}
}

func TestImportSswanRecordsFormat(t *testing.T) {
	s, c := start(t)
	data := []byte(`{"uuid":"x","name":"Office VPN","type":"ikev2-eap","remote":{"addr":"vpn.example.com"},"local":{"eap_id":"alice"}}`)
	p, err := c.ImportProfile(context.Background(), api.FormatSswan, data, false)
	if err != nil {
		t.Fatal(err)
	}
	if p.Name != "Office-VPN" || p.Username != "alice" || p.Gateway != "vpn.example.com" {
		t.Errorf("imported %+v", p)
	}
	if im := s.Imports(); len(im) != 1 || im[0].Format != api.FormatSswan || im[0].Size != len(data) {
		t.Errorf("imports = %+v", im)
	}
}
