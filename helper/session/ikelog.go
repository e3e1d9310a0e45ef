package session

import (
	"context"
	"fmt"
	"log/slog"
	"strings"

	"github.com/espressovpn/espresso/helper/api"
)

// ikeLogger is the negotiation's logger: the session's log, under the
// profile's name.
func (s *Session) ikeLogger() *slog.Logger {
	return slog.New(logHandler{logf: s.logf})
}

// logHandler writes ipsec/ike's records of level Info and above to the
// helper's log, the attributes as key=value after the message. ipsec/ike
// never logs key material.
type logHandler struct {
	logf  func(level api.Level, format string, args ...any)
	attrs string
}

func (h logHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelInfo }

func (h logHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	b.WriteString(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
		return true
	})
	level := api.LevelInfo
	switch {
	case r.Level >= slog.LevelError:
		level = api.LevelError
	case r.Level >= slog.LevelWarn:
		level = api.LevelWarn
	}
	h.logf(level, "%s", b.String())
	return nil
}

func (h logHandler) WithAttrs(as []slog.Attr) slog.Handler {
	var b strings.Builder
	b.WriteString(h.attrs)
	for _, a := range as {
		fmt.Fprintf(&b, " %s=%v", a.Key, a.Value)
	}
	h.attrs = b.String()
	return h
}

// WithGroup ignores groups: ipsec/ike uses none, and flat keys read best
// in the helper's one-line log.
func (h logHandler) WithGroup(string) slog.Handler { return h }
