package api

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// serve runs h on a fresh Unix socket and returns a Client for it.
func serve(t *testing.T, h http.Handler) *Client {
	t.Helper()
	sock := filepath.Join(t.TempDir(), "helper.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	c := NewClient(sock)
	t.Cleanup(func() {
		c.CloseIdleConnections()
		_ = srv.Close()
		<-done
	})
	return c
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", ContentTypeJSON)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func TestClientProfileRoundTrip(t *testing.T) {
	mux := http.NewServeMux()
	var got Profile
	var gotQuery string
	mux.HandleFunc("POST "+PathProfiles, func(w http.ResponseWriter, r *http.Request) {
		gotQuery = r.URL.RawQuery
		if err := json.NewDecoder(r.Body).Decode(&got); err != nil {
			writeJSON(w, 400, ErrorBody{Errorf(CodeBadRequest, "bad json")})
			return
		}
		writeJSON(w, 200, got.Redacted())
	})
	c := serve(t, mux)
	in := Profile{Name: "work", Gateway: "192.0.2.1", Auth: AuthPSK, PSK: "s3cret", RemoteTS: []string{"198.51.100.0/24"}}
	out, err := c.CreateProfile(context.Background(), in, true)
	if err != nil {
		t.Fatal(err)
	}
	if got.PSK != in.PSK {
		t.Error("the PSK did not reach the server")
	}
	if gotQuery != "format=espresso&replace=true" {
		t.Errorf("query = %q", gotQuery)
	}
	if out.PSK != "" || !out.HasPSK {
		t.Errorf("answer not redacted: has_psk=%v, psk empty=%v", out.HasPSK, out.PSK == "")
	}
	if out.Name != "work" || out.RemoteTS[0] != "198.51.100.0/24" {
		t.Errorf("answer = %+v", out.Redacted())
	}
}

func TestClientErrorDecoding(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("PUT "+PathProfile, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 400, ErrorBody{FieldError("gateway", "missing")})
	})
	mux.HandleFunc("GET "+PathStatus, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 403, ErrorBody{Errorf(CodeForbidden, "not allowed")})
	})
	mux.HandleFunc("GET "+PathWatch, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 503, ErrorBody{Errorf(CodeStopping, "the helper is stopping")})
	})
	c := serve(t, mux)
	ctx := context.Background()

	_, err := c.UpdateProfile(ctx, Profile{Name: "a b"})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("err = %v, want *Error", err)
	}
	if e.Code != CodeInvalidProfile || e.Field != "gateway" || e.Message != "gateway: missing" {
		t.Errorf("err = %+v", e)
	}
	if !errors.Is(err, &Error{Code: CodeInvalidProfile}) {
		t.Error("errors.Is by code failed")
	}

	_, err = c.Status(ctx)
	if !errors.Is(err, ErrAccessDenied) {
		t.Errorf("403: err = %v, want ErrAccessDenied", err)
	}

	// A helper that is stopping is, to a client, one not running.
	if _, err := c.Watch(ctx); !errors.Is(err, ErrHelperNotRunning) || !errors.Is(err, &Error{Code: CodeStopping}) {
		t.Errorf("watch while stopping: err = %v, want ErrHelperNotRunning", err)
	}
	if errors.Is(Errorf(CodeUnavailable, "no"), ErrHelperNotRunning) {
		t.Error("CodeUnavailable matches ErrHelperNotRunning")
	}

	// A path the mux does not know answers in plain text; the client still
	// returns a typed error.
	_, err = c.Profiles(ctx)
	if !errors.As(err, &e) || e.Code != CodeNotFound {
		t.Errorf("404: err = %v", err)
	}
}

func TestClientNotRunning(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()

	missing := NewClient(filepath.Join(dir, "none.sock"))
	_, err := missing.Version(ctx)
	if !errors.Is(err, ErrHelperNotRunning) {
		t.Fatalf("missing socket: err = %v", err)
	}
	var nr *NotRunningError
	if !errors.As(err, &nr) || nr.Socket != missing.Socket() {
		t.Errorf("missing socket: err = %#v", err)
	}

	// A socket file left by a helper that died refuses connections.
	stale := filepath.Join(dir, "stale.sock")
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: stale, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	_, err = NewClient(stale).Status(ctx)
	if !errors.Is(err, ErrHelperNotRunning) {
		t.Errorf("stale socket: err = %v", err)
	}
}

func TestClientSocketPermissionDenied(t *testing.T) {
	if os.Geteuid() == 0 {
		t.Skip("root ignores socket permissions; run as an unprivileged user to test EACCES")
	}
	sock := filepath.Join(t.TempDir(), "helper.sock")
	ln, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	if err := os.Chmod(sock, 0); err != nil {
		t.Fatal(err)
	}
	_, err = NewClient(sock).Version(context.Background())
	if !errors.Is(err, ErrAccessDenied) {
		t.Errorf("err = %v, want ErrAccessDenied", err)
	}
}

func TestWatchStream(t *testing.T) {
	mux := http.NewServeMux()
	release := make(chan struct{})
	mux.HandleFunc("GET "+PathWatch, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", ContentTypeNDJSON)
		enc := json.NewEncoder(w)
		_ = enc.Encode(Event{Kind: EventSnapshot, Connections: []ConnectionStatus{{Name: "a", State: StateDisconnected}}})
		_ = enc.Encode(Event{Kind: EventStatus, Connection: &ConnectionStatus{Name: "a", State: StateConnecting}})
		w.(http.Flusher).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	})
	c := serve(t, mux)
	defer close(release)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	s, err := c.Watch(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ev, err := s.Next()
	if err != nil || ev.Kind != EventSnapshot || len(ev.Connections) != 1 {
		t.Fatalf("first event = %+v, %v", ev, err)
	}
	ev, err = s.Next()
	if err != nil || ev.Kind != EventStatus || ev.Connection.State != StateConnecting {
		t.Fatalf("second event = %+v, %v", ev, err)
	}
	// Closing the stream unblocks a pending Next.
	errc := make(chan error, 1)
	go func() {
		_, err := s.Next()
		errc <- err
	}()
	time.Sleep(20 * time.Millisecond)
	s.Close()
	select {
	case err := <-errc:
		if err == nil {
			t.Error("Next after Close returned no error")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Next did not return after Close")
	}
}

func TestLogsStreamEOF(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+PathLogs, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get(QueryFollow) != "" {
			t.Error("follow sent without being asked")
		}
		enc := json.NewEncoder(w)
		_ = enc.Encode(LogEntry{Seq: 1, Level: LevelInfo, Message: "one"})
		_ = enc.Encode(LogEntry{Seq: 2, Level: LevelError, Connection: "a", Message: "two"})
	})
	c := serve(t, mux)
	s, err := c.Logs(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var msgs []string
	for {
		e, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		msgs = append(msgs, e.Message)
	}
	if strings.Join(msgs, ",") != "one,two" {
		t.Errorf("messages = %v", msgs)
	}
}

func TestConnectionStatusHasEveryField(t *testing.T) {
	data, err := json.Marshal(ConnectionStatus{Name: "a", State: StateDisconnected})
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	want := []string{"name", "state", "gateway", "virtual_ips", "dns", "dns_domains", "local_ts", "remote_ts", "blocked",
		"ike_proposal", "esp_proposal", "nat_detected", "encapsulation", "bytes_in", "bytes_out",
		"packets_in", "packets_out", "established_at", "last_error", "error_code", "reconnect", "always_on", "standby"}
	for _, k := range want {
		if _, ok := m[k]; !ok {
			t.Errorf("field %q missing", k)
		}
		delete(m, k)
	}
	for k := range m {
		t.Errorf("unexpected field %q", k)
	}
}

// The reconnection's progress is data: its keys are part of the status
// contract as much as the status's own.
func TestReconnectKeys(t *testing.T) {
	next := time.Date(2026, 3, 4, 10, 0, 8, 0, time.UTC)
	st := ConnectionStatus{Name: "a", State: StateReconnecting, LastError: "no answer", ErrorCode: FailurePeerUnreachable,
		Reconnect: &Reconnect{Attempt: 3, NextAt: &next, Reason: "no answer", ErrorCode: FailurePeerUnreachable}}
	data, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	var m struct {
		ErrorCode string         `json:"error_code"`
		Reconnect map[string]any `json:"reconnect"`
	}
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	if m.ErrorCode != "peer_unreachable" {
		t.Errorf("error_code = %q", m.ErrorCode)
	}
	want := map[string]any{"attempt": 3.0, "next_at": "2026-03-04T10:00:08Z", "reason": "no answer", "error_code": "peer_unreachable"}
	for k, v := range want {
		if m.Reconnect[k] != v {
			t.Errorf("reconnect.%s = %v, want %v", k, m.Reconnect[k], v)
		}
	}
	if len(m.Reconnect) != len(want) {
		t.Errorf("reconnect = %v", m.Reconnect)
	}
	var back ConnectionStatus
	if err := json.Unmarshal(data, &back); err != nil || back.Reconnect == nil || !back.Reconnect.NextAt.Equal(next) {
		t.Errorf("round trip: %+v, %v", back.Reconnect, err)
	}
}

// A connect failure carries its code through the client.
func TestClientConnectFailureCode(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+PathConnect, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, 502, ErrorBody{&Error{Code: CodeConnectFailed, Message: "ike: no proposal chosen", ErrorCode: FailureNoProposal}})
	})
	c := serve(t, mux)
	_, err := c.Connect(context.Background(), "work", ConnectRequest{}, true)
	var e *Error
	if !errors.As(err, &e) || e.Code != CodeConnectFailed || e.ErrorCode != FailureNoProposal {
		t.Errorf("err = %#v", err)
	}
}

func TestRedactedClearsEverySecret(t *testing.T) {
	p := Profile{PSK: "a", Key: "b", P12: "c", P12Password: "d", Password: "e", RemoteTS: []string{"192.0.2.0/24"}}
	r := p.Redacted()
	if r.PSK+r.Key+r.P12+r.P12Password+r.Password != "" {
		t.Error("a secret survived redaction")
	}
	if !r.HasPSK || !r.HasKey || !r.HasP12 || !r.HasP12Password || !r.HasPassword {
		t.Errorf("has flags = %v %v %v %v %v", r.HasPSK, r.HasKey, r.HasP12, r.HasP12Password, r.HasPassword)
	}
	r.RemoteTS[0] = "x"
	if p.RemoteTS[0] != "192.0.2.0/24" {
		t.Error("Redacted shares slices with the original")
	}
	if data, _ := json.Marshal(Profile{Name: "x"}); strings.Contains(string(data), "has_") {
		t.Errorf("unset has_ flags are emitted: %s", data)
	}
}

func TestPathsEscapeNames(t *testing.T) {
	if got := ConnectPath("a/b"); got != "/v1/connections/a%2Fb/connect" {
		t.Errorf("ConnectPath = %q", got)
	}
	for _, c := range []Code{CodeBadRequest, CodeInvalidProfile, CodeForbidden, CodeNotFound, CodeExists, CodeBusy, CodeConnectFailed, CodeUnavailable, CodeStopping, CodeInternal, CodeMethodNotAllowed} {
		if s := c.HTTPStatus(); s < 400 || s > 599 {
			t.Errorf("%s -> %d", c, s)
		}
	}
}
