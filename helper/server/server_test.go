package server

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/conn"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/ipsec/ike"
)

// fakeDialer connects at once, or fails with err; sessions end on Close.
type fakeDialer struct{ err error }

func (d fakeDialer) Dial(ctx context.Context, a session.Attempt) (session.Conn, error) {
	if d.err != nil {
		return nil, d.err
	}
	return &fakeSession{done: make(chan struct{})}, nil
}

type fakeSession struct {
	done chan struct{}
}

func (s *fakeSession) Info() session.Info {
	return session.Info{IKEProposal: "aes256gcm16-prfsha384-x25519", Encapsulation: api.EncapsulationUDP, EstablishedAt: time.Now()}
}
func (s *fakeSession) Counters() session.Counters { return session.Counters{} }
func (s *fakeSession) Done() <-chan struct{}      { return s.done }
func (s *fakeSession) Err() error                 { return nil }
func (s *fakeSession) Close() error               { return nil }

type harness struct {
	client *api.Client
	sock   string
	log    *logring.Ring
	store  *profile.Store
	srv    *Server
}

// start runs a full server (store, manager, log) on a fresh socket;
// opts adjust the server's Config or, as conn.Options, its manager.
func start(t *testing.T, d session.Dialer, auth Authorizer, dir string, opts ...any) *harness {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	store, err := profile.Open(filepath.Join(dir, "profiles"))
	if err != nil {
		t.Fatal(err)
	}
	log := logring.New(100, nil, nil)
	wanted, err := conn.OpenWanted(filepath.Join(dir, "always-on.json"))
	if err != nil {
		t.Fatal(err)
	}
	var cfgOpts []func(*Config)
	mgrOpts := []conn.Option{conn.WithAlwaysOn(conn.AlwaysOn{Wanted: wanted, Profiles: store.List})}
	for _, o := range opts {
		switch o := o.(type) {
		case func(*Config):
			cfgOpts = append(cfgOpts, o)
		case conn.Option:
			mgrOpts = append(mgrOpts, o)
		default:
			t.Fatalf("start: option %T", o)
		}
	}
	mgr := conn.NewManager(d, log, conn.DefaultRetryPolicy, mgrOpts...)
	cfg := Config{Store: store, Manager: mgr, Log: log, Auth: auth, Version: "test"}
	for _, o := range cfgOpts {
		o(&cfg)
	}
	srv := New(cfg)
	sock := filepath.Join(dir, "run", "helper.sock")
	ln, err := Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		_ = srv.Serve(ln)
	}()
	c := api.NewClient(sock)
	t.Cleanup(func() {
		c.CloseIdleConnections()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		mgr.Close(ctx)
		srv.Shutdown(ctx)
		<-done
	})
	return &harness{client: c, sock: sock, log: log, store: store, srv: srv}
}

func pskProfile(name string) api.Profile {
	return api.Profile{Name: name, Gateway: "192.0.2.1", Auth: api.AuthPSK, PSK: "correct horse", RemoteTS: []string{"198.51.100.0/24"}}
}

func TestProfilesLifecycle(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test client must pass the helper's peer check")
	}
	h := start(t, fakeDialer{}, Authorizer{}, "")
	ctx := context.Background()

	got, err := h.client.CreateProfile(ctx, pskProfile("work"), false)
	if err != nil {
		t.Fatal(err)
	}
	if got.PSK != "" || !got.HasPSK {
		t.Error("the answer carries the PSK or lacks has_psk")
	}
	if _, err := h.client.CreateProfile(ctx, pskProfile("work"), false); !errors.Is(err, &api.Error{Code: api.CodeExists}) {
		t.Errorf("second create: %v", err)
	}
	ps, err := h.client.Profiles(ctx)
	if err != nil || len(ps) != 1 || ps[0].PSK != "" {
		t.Fatalf("list = %d profiles, %v", len(ps), err)
	}

	// Edit without knowing the secret keeps it.
	edit := ps[0]
	edit.MTU = 1300
	if _, err := h.client.UpdateProfile(ctx, edit); err != nil {
		t.Fatal(err)
	}
	stored, _ := h.store.Get("work")
	if stored.PSK != "correct horse" || stored.MTU != 1300 {
		t.Error("edit lost the PSK or the change")
	}

	bad := pskProfile("bad")
	bad.RemoteTS = []string{"198.51.100.1/24"}
	_, err = h.client.CreateProfile(ctx, bad, false)
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeInvalidProfile || e.Field != "remote_ts[0]" {
		t.Errorf("invalid profile: %v", err)
	}
	_, err = h.client.ImportProfile(ctx, api.FormatEspresso, []byte(`{"name":"x","gateway":"192.0.2.1","auth":"psk","psk":"k","colour":"blue"}`), false)
	if !errors.As(err, &e) || e.Field != "colour" {
		t.Errorf("unknown key: %v", err)
	}

	sswan := `{"uuid":"d9ab35a1-8f4b-4d6c-9a52-3b8c5a3f7e01","name":"Office VPN","type":"ikev2-eap",
		"remote":{"addr":"192.0.2.9"},"local":{"eap_id":"alice"}}`
	imp, err := h.client.ImportProfile(ctx, api.FormatSswan, []byte(sswan), false)
	if err != nil {
		t.Fatal(err)
	}
	if imp.Name != "Office-VPN" || imp.Auth != api.AuthEAPMSCHAPv2 || imp.Username != "alice" {
		t.Errorf("imported %+v", imp)
	}

	if err := h.client.RemoveProfile(ctx, "work"); err != nil {
		t.Fatal(err)
	}
	if _, err := h.client.Profile(ctx, "work"); !errors.Is(err, &api.Error{Code: api.CodeNotFound}) {
		t.Errorf("get after remove: %v", err)
	}
	// The logs say what happened and never carry the secret.
	s, err := h.client.Logs(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var all strings.Builder
	for {
		e, err := s.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		all.WriteString(e.Message + "\n")
	}
	if !strings.Contains(all.String(), "profile removed") {
		t.Errorf("logs: %q", all.String())
	}
	if strings.Contains(all.String(), "correct horse") {
		t.Error("a secret reached the log")
	}
}

func TestConnectWatchDisconnect(t *testing.T) {
	h := startWatched(t, fakeDialer{}, pskProfile("work"))
	ctx, w := h.ctx, h.watch
	ev, err := w.Next()
	if err != nil || ev.Kind != api.EventSnapshot || len(ev.Connections) != 1 || ev.Connections[0].State != api.StateDisconnected {
		t.Fatalf("snapshot = %+v, %v", ev, err)
	}
	st, err := h.client.Connect(ctx, "work", api.ConnectRequest{}, true)
	if err != nil || st.State != api.StateConnected || st.IKEProposal == "" {
		t.Fatalf("connect = %+v, %v", st, err)
	}
	if err := h.client.RemoveProfile(ctx, "work"); !errors.Is(err, &api.Error{Code: api.CodeBusy}) {
		t.Errorf("remove while connected: %v", err)
	}
	st, err = h.client.Disconnect(ctx, "work")
	if err != nil || st.State != api.StateDisconnected {
		t.Fatalf("disconnect = %+v, %v", st, err)
	}
	var seen []api.State
	for len(seen) < 3 {
		ev, err := w.Next()
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind == api.EventStatus && ev.Connection.Name == "work" {
			seen = append(seen, ev.Connection.State)
		}
	}
	if seen[0] != api.StateConnecting || seen[1] != api.StateConnected || seen[2] != api.StateDisconnected {
		t.Errorf("watched %v", seen)
	}
}

func TestConnectUnavailable(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test client must pass the helper's peer check")
	}
	h := start(t, session.UnavailableDialer{}, Authorizer{}, "")
	ctx := context.Background()
	if _, err := h.client.CreateProfile(ctx, pskProfile("work"), false); err != nil {
		t.Fatal(err)
	}
	_, err := h.client.Connect(ctx, "work", api.ConnectRequest{}, true)
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeUnavailable || e.Message != session.ErrUnavailable.Error() {
		t.Errorf("connect = %v", err)
	}
	st, _ := h.client.StatusOf(ctx, "work")
	if st.State != api.StateFailed || st.LastError != session.ErrUnavailable.Error() || st.ErrorCode != api.FailureUnavailable {
		t.Errorf("status = %s %q %q", st.State, st.LastError, st.ErrorCode)
	}
}

// A failed connect names its reason as a code, in the answer and the
// status, next to the words.
func TestConnectFailureCode(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test client must pass the helper's peer check")
	}
	h := start(t, fakeDialer{err: &ike.NoProposalError{Child: true}}, Authorizer{}, "")
	ctx := context.Background()
	if _, err := h.client.CreateProfile(ctx, pskProfile("work"), false); err != nil {
		t.Fatal(err)
	}
	_, err := h.client.Connect(ctx, "work", api.ConnectRequest{}, true)
	var e *api.Error
	if !errors.As(err, &e) || e.Code != api.CodeConnectFailed || e.ErrorCode != api.FailureNoProposal || e.Message != "ike: no ESP proposal chosen" {
		t.Errorf("connect = %#v", err)
	}
	st, _ := h.client.StatusOf(ctx, "work")
	if st.State != api.StateFailed || st.ErrorCode != api.FailureNoProposal || st.LastError != "ike: no ESP proposal chosen" {
		t.Errorf("status = %s %q %q", st.State, st.ErrorCode, st.LastError)
	}
}

func TestListenRefusesLiveSocketAndReplacesStale(t *testing.T) {
	dir := t.TempDir()
	sock := filepath.Join(dir, "h.sock")
	ln, err := Listen(sock, "")
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(sock)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("socket mode without a group = %v", fi.Mode().Perm())
	}
	if _, err := Listen(sock, ""); !errors.Is(err, ErrAlreadyRunning) {
		t.Errorf("second Listen: %v", err)
	}
	// Closed without removing the socket, as a crash leaves it.
	ln.(*unixListener).UnixListener.Close()
	ln, err = Listen(sock, "")
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	ln.Close()
	os.WriteFile(filepath.Join(dir, "file"), nil, 0o600)
	if _, err := Listen(filepath.Join(dir, "file"), ""); err == nil {
		t.Error("Listen replaced a regular file")
	}
}

func TestNotFoundIsJSON(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the test client must pass the helper's peer check")
	}
	h := start(t, fakeDialer{}, Authorizer{}, "")
	hc := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		return (&net.Dialer{}).DialContext(ctx, "unix", h.sock)
	}}}
	defer hc.CloseIdleConnections()
	resp, err := hc.Get("http://helper/v2/nothing")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 404 || !strings.Contains(string(body), `"code":"not_found"`) {
		t.Errorf("%d %s", resp.StatusCode, body)
	}
}
