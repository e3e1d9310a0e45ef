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
	return slog.New(logHandler{logf: s.logf, debug: s.d.debugEnabled})
}

// logHandler writes ipsec/ike's records to the helper's log, the
// attributes as key=value after the message: those of level Info and
// above, and Debug ones (each IKE message sent and received) while debug
// reports the helper's log keeps them. ipsec/ike never logs key material.
type logHandler struct {
	logf  func(level api.Level, format string, args ...any)
	debug func() bool
	attrs string
}

func (h logHandler) Enabled(_ context.Context, l slog.Level) bool {
	return l >= slog.LevelInfo || h.debug != nil && h.debug()
}

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
	case r.Level < slog.LevelInfo:
		level = api.LevelDebug
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
