package api

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"syscall"
)

// baseURL is the scheme and host of every request; the host is a label
// only, as the transport always dials the Unix socket.
const baseURL = "http://espresso-helper"

// maxErrorBody bounds how much of an error response is read.
const maxErrorBody = 64 << 10

// Client talks to espresso-helper over its Unix socket. It is safe for
// concurrent use. Every method honours its context's deadline and
// cancellation.
type Client struct {
	socket string
	hc     *http.Client
	trace  func(format string, args ...any)
}

// NewClient returns a Client for the helper listening at socket.
func NewClient(socket string) *Client {
	c := &Client{socket: socket}
	tr := &http.Transport{
		DialContext:  c.dial,
		MaxIdleConns: 2,
	}
	c.hc = &http.Client{Transport: tr}
	return c
}

// SetTrace makes the Client report each request and its outcome to f,
// one line each (never a body: a request may carry a secret). Call it
// before the first request.
func (c *Client) SetTrace(f func(format string, args ...any)) { c.trace = f }

// Socket returns the socket path the Client dials.
func (c *Client) Socket() string { return c.socket }

// CloseIdleConnections closes connections kept for reuse.
func (c *Client) CloseIdleConnections() { c.hc.CloseIdleConnections() }

// dial connects to the socket and turns the errors a GUI must recognise
// into NotRunningError and AccessDeniedError.
func (c *Client) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "unix", c.socket)
	switch {
	case err == nil:
		return conn, nil
	case errors.Is(err, syscall.ENOENT), errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ENOTDIR):
		return nil, &NotRunningError{Socket: c.socket, Err: err}
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM):
		return nil, &AccessDeniedError{Socket: c.socket, Err: err}
	}
	return nil, err
}

// Version returns the helper's version information.
func (c *Client) Version(ctx context.Context) (VersionInfo, error) {
	var v VersionInfo
	err := c.do(ctx, http.MethodGet, PathVersion, nil, nil, &v)
	return v, err
}

// Profiles returns every stored profile, without secrets.
func (c *Client) Profiles(ctx context.Context) ([]Profile, error) {
	var ps []Profile
	err := c.do(ctx, http.MethodGet, PathProfiles, nil, nil, &ps)
	return ps, err
}

// Profile returns one stored profile, without secrets.
func (c *Client) Profile(ctx context.Context, name string) (Profile, error) {
	var p Profile
	err := c.do(ctx, http.MethodGet, ProfilePath(name), nil, nil, &p)
	return p, err
}

// CreateProfile stores a new profile, or replaces one of the same name if
// replace is set, and returns it as stored.
func (c *Client) CreateProfile(ctx context.Context, p Profile, replace bool) (Profile, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return Profile{}, err
	}
	return c.ImportProfile(ctx, FormatEspresso, body, replace)
}

// ImportProfile stores a profile given as a file's content in format
// (FormatEspresso or FormatSswan) and returns it as stored. The helper
// parses the file, so a client need not understand the format.
func (c *Client) ImportProfile(ctx context.Context, format string, data []byte, replace bool) (Profile, error) {
	q := url.Values{}
	q.Set(QueryFormat, format)
	if replace {
		q.Set(QueryReplace, "true")
	}
	var out Profile
	err := c.do(ctx, http.MethodPost, PathProfiles, q, data, &out)
	return out, err
}

// UpdateProfile replaces the profile named p.Name (see Profile for how
// secrets left empty are kept) and returns it as stored.
func (c *Client) UpdateProfile(ctx context.Context, p Profile) (Profile, error) {
	body, err := json.Marshal(p)
	if err != nil {
		return Profile{}, err
	}
	var out Profile
	err = c.do(ctx, http.MethodPut, ProfilePath(p.Name), nil, body, &out)
	return out, err
}

// RemoveProfile deletes a profile. The helper refuses with CodeBusy while
// its connection is active.
func (c *Client) RemoveProfile(ctx context.Context, name string) error {
	return c.do(ctx, http.MethodDelete, ProfilePath(name), nil, nil, nil)
}

// Connect starts the connection of profile name. Without wait it returns
// at once with the status (connecting); with wait it returns once the
// connection is established, or an *Error (CodeConnectFailed) with the
// reason.
func (c *Client) Connect(ctx context.Context, name string, req ConnectRequest, wait bool) (ConnectionStatus, error) {
	body, err := json.Marshal(req)
	if err != nil {
		return ConnectionStatus{}, err
	}
	var q url.Values
	if wait {
		q = url.Values{QueryWait: {"true"}}
	}
	var st ConnectionStatus
	err = c.do(ctx, http.MethodPost, ConnectPath(name), q, body, &st)
	return st, err
}

// Disconnect ends the connection of profile name and returns its status
// once it is down.
func (c *Client) Disconnect(ctx context.Context, name string) (ConnectionStatus, error) {
	var st ConnectionStatus
	err := c.do(ctx, http.MethodPost, DisconnectPath(name), nil, nil, &st)
	return st, err
}

// Status returns the status of every profile, sorted by name.
func (c *Client) Status(ctx context.Context) ([]ConnectionStatus, error) {
	var sts []ConnectionStatus
	err := c.do(ctx, http.MethodGet, PathStatus, nil, nil, &sts)
	return sts, err
}

// StatusOf returns the status of one profile.
func (c *Client) StatusOf(ctx context.Context, name string) (ConnectionStatus, error) {
	var st ConnectionStatus
	err := c.do(ctx, http.MethodGet, StatusPath(name), nil, nil, &st)
	return st, err
}

// AlwaysOn returns the default always-on profile; its Profile is empty
// when none is marked.
func (c *Client) AlwaysOn(ctx context.Context) (AlwaysOn, error) {
	var a AlwaysOn
	err := c.do(ctx, http.MethodGet, PathAlwaysOn, nil, nil, &a)
	return a, err
}

// SetAlwaysOn marks the profile name as the default always-on profile,
// or clears the mark when name is empty, and returns the setting.
func (c *Client) SetAlwaysOn(ctx context.Context, name string) (AlwaysOn, error) {
	body, err := json.Marshal(AlwaysOn{Profile: name})
	if err != nil {
		return AlwaysOn{}, err
	}
	var a AlwaysOn
	err = c.do(ctx, http.MethodPut, PathAlwaysOn, nil, body, &a)
	return a, err
}

// AnswerPrompt answers the prompt id of the watch stream (see
// PromptProtocol). It returns an *Error with CodeNotFound when the prompt
// is no longer waiting: another client answered it, it expired, or the
// connection ended.
func (c *Client) AnswerPrompt(ctx context.Context, id string, a PromptAnswer) error {
	body, err := json.Marshal(a)
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, PromptPath(id), nil, body, nil)
}

// Watch opens the event stream: an EventSnapshot first, then every change.
// The stream ends when ctx is done or the stream is closed.
func (c *Client) Watch(ctx context.Context) (*Stream[Event], error) {
	return openStream[Event](ctx, c, PathWatch, nil)
}

// Logs opens the log stream: the buffered entries, then, with follow, every
// new entry until ctx is done or the stream is closed. Without follow the
// stream ends with io.EOF after the buffered entries.
func (c *Client) Logs(ctx context.Context, follow bool) (*Stream[LogEntry], error) {
	var q url.Values
	if follow {
		q = url.Values{QueryFollow: {"true"}}
	}
	return openStream[LogEntry](ctx, c, PathLogs, q)
}

// LogLevel returns the helper's current log level.
func (c *Client) LogLevel(ctx context.Context) (Level, error) {
	var l LogLevel
	err := c.do(ctx, http.MethodGet, PathLogLevel, nil, nil, &l)
	return l.Level, err
}

// SetLogLevel sets the helper's log level; only root may.
func (c *Client) SetLogLevel(ctx context.Context, level Level) error {
	body, err := json.Marshal(LogLevel{Level: level})
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPut, PathLogLevel, nil, body, nil)
}

// Diagnostics returns the helper's part of a diagnostic bundle.
func (c *Client) Diagnostics(ctx context.Context) (Diagnostics, error) {
	var d Diagnostics
	err := c.do(ctx, http.MethodGet, PathDiagnostics, nil, nil, &d)
	return d, err
}

// do sends one request and decodes a JSON answer into out (if not nil).
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body []byte, out any) error {
	resp, err := c.send(ctx, method, path, q, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if out == nil {
		_, err = io.Copy(io.Discard, io.LimitReader(resp.Body, maxErrorBody))
		return err
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("espresso helper: decoding %s %s answer: %w", method, path, err)
	}
	return nil
}

// send performs a request and returns the response if it succeeded; an
// error status becomes an *Error.
func (c *Client) send(ctx context.Context, method, path string, q url.Values, body []byte) (*http.Response, error) {
	u := baseURL + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", ContentTypeJSON)
	}
	req.Header.Set("Accept", ContentTypeJSON)
	if c.trace != nil {
		c.trace("request: %s %s", method, req.URL.RequestURI())
	}
	resp, err := c.hc.Do(req)
	if c.trace != nil {
		if err != nil {
			c.trace("answer: %s %s: %v", method, req.URL.Path, err)
		} else {
			c.trace("answer: %s %s: %s", method, req.URL.Path, resp.Status)
		}
	}
	if err != nil {
		var ne *NotRunningError
		var ae *AccessDeniedError
		switch {
		case errors.As(err, &ne):
			return nil, ne
		case errors.As(err, &ae):
			return nil, ae
		}
		return nil, fmt.Errorf("espresso helper: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		return nil, decodeError(resp)
	}
	return resp, nil
}

// decodeError turns an error response into an *Error, inventing one from
// the status code when the body is not the API's error format.
func decodeError(resp *http.Response) error {
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	var eb ErrorBody
	if json.Unmarshal(data, &eb) == nil && eb.Error != nil && eb.Error.Code != "" {
		return eb.Error
	}
	code := CodeInternal
	switch resp.StatusCode {
	case http.StatusBadRequest:
		code = CodeBadRequest
	case http.StatusForbidden:
		code = CodeForbidden
	case http.StatusNotFound:
		code = CodeNotFound
	case http.StatusMethodNotAllowed:
		code = CodeMethodNotAllowed
	case http.StatusConflict:
		code = CodeBusy
	case http.StatusServiceUnavailable:
		code = CodeUnavailable
	}
	msg := strings.TrimSpace(string(data))
	if msg == "" {
		msg = resp.Status
	}
	return &Error{Code: code, Message: msg}
}
