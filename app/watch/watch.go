// Package watch keeps the desktop app's view of the helper current: it holds
// the helper's watch stream open, applies its events to a copy of every
// connection's status, and reopens the stream, with a bounded back-off,
// whenever the helper goes away (stopped, restarted, upgraded).
package watch

import (
	"context"
	"sort"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// Source opens the helper's watch stream; *api.Client is one.
type Source interface {
	Watch(ctx context.Context) (*api.Stream[api.Event], error)
}

// Link is the state of the app's link to the helper.
type Link int

// Link states.
const (
	// LinkDown: the helper cannot be reached; Update.Err says why.
	LinkDown Link = iota
	// LinkUp: the stream is open and Update.Connections is current.
	LinkUp
)

// Update is one report of the Watcher.
type Update struct {
	// Link says whether the helper is reachable.
	Link Link
	// Err is why the link is down (errors.Is api.ErrHelperNotRunning,
	// also when the helper answered that it is stopping, api.ErrAccessDenied,
	// or another error); nil while up.
	Err error
	// Connections is every profile's status sorted by name while up; nil
	// while down, as the helper owns the tunnels and none outlives it.
	Connections []api.ConnectionStatus
	// Changed names the profile this update is about; empty for a
	// snapshot or a change of the link.
	Changed string
}

// Options tune a Watcher. Zero values pick the defaults.
type Options struct {
	// MinBackoff is the first wait before reopening the stream (default
	// 250ms); each failure doubles it up to MaxBackoff (default 5s).
	MinBackoff, MaxBackoff time.Duration
	// After returns a channel that fires after d; nil means time.After.
	// Tests inject their clock here.
	After func(d time.Duration) <-chan time.Time
}

// Watcher mirrors the helper's state. Run it in one goroutine; it calls
// the report function from that goroutine only.
type Watcher struct {
	src    Source
	report func(Update)
	opt    Options
	conns  map[string]api.ConnectionStatus
}

// New returns a Watcher that reads from src and passes every Update to
// report.
func New(src Source, report func(Update), o Options) *Watcher {
	if o.MinBackoff <= 0 {
		o.MinBackoff = 250 * time.Millisecond
	}
	if o.MaxBackoff < o.MinBackoff {
		o.MaxBackoff = max(5*time.Second, o.MinBackoff)
	}
	if o.After == nil {
		o.After = time.After
	}
	return &Watcher{src: src, report: report, opt: o}
}

// Run watches until ctx is done. The first report comes as soon as the
// stream's snapshot arrives or opening it fails.
//
// A stream that brought an event after its snapshot is reopened at once
// when it ends (the link is reported down only if that fails). One that
// ended without an event, with or without its snapshot, is reopened at
// once too, but the next such stream in a row waits, doubling the wait
// each time: a helper that answers and ends every stream at once (one
// going away, say) is asked at a bounded rate, not in a loop.
func (w *Watcher) Run(ctx context.Context) {
	wait := w.opt.MinBackoff
	// quick is set after a stream that ended without an event, until a
	// stream brings one or an open fails (which waits anyway).
	quick := false
	for ctx.Err() == nil {
		s, err := w.src.Watch(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return
			}
			w.conns = nil
			w.report(Update{Link: LinkDown, Err: err})
			if !w.sleep(ctx, wait) {
				return
			}
			wait = min(2*wait, w.opt.MaxBackoff)
			quick = false
			continue
		}
		switch w.follow(ctx, s) {
		case endedAfterEvents:
			wait = w.opt.MinBackoff
			quick = false
			continue
		case endedAfterSnapshot:
			if !quick {
				// The helper was up: should the reopen fail, the link
				// is down from now, and its back-off starts again.
				wait = w.opt.MinBackoff
			}
		}
		if quick {
			if !w.sleep(ctx, wait) {
				return
			}
			wait = min(2*wait, w.opt.MaxBackoff)
		}
		quick = true
	}
}

// sleep waits d on the injected clock, and reports false if ctx was done
// first.
func (w *Watcher) sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-ctx.Done():
		return false
	case <-w.opt.After(d):
		return true
	}
}

// streamEnd is how far a stream got before it ended.
type streamEnd int

const (
	endedEmpty         streamEnd = iota // before its snapshot
	endedAfterSnapshot                  // after its snapshot, before any event
	endedAfterEvents                    // after its snapshot and an event
)

// follow applies the events of one stream until it ends, and reports how
// far it got.
func (w *Watcher) follow(ctx context.Context, s *api.Stream[api.Event]) (end streamEnd) {
	defer s.Close()
	for {
		ev, err := s.Next()
		if err != nil || ctx.Err() != nil {
			return end
		}
		switch ev.Kind {
		case api.EventSnapshot:
			end = endedAfterSnapshot
			w.conns = make(map[string]api.ConnectionStatus, len(ev.Connections))
			for _, c := range ev.Connections {
				w.conns[c.Name] = c
			}
			w.emit("")
			continue
		case api.EventStatus:
			if end == endedEmpty || ev.Connection == nil {
				continue
			}
			w.conns[ev.Connection.Name] = *ev.Connection
			w.emit(ev.Connection.Name)
		case api.EventRemoved:
			if end == endedEmpty {
				continue
			}
			delete(w.conns, ev.Name)
			w.emit(ev.Name)
		}
		if end != endedEmpty {
			end = endedAfterEvents
		}
	}
}

func (w *Watcher) emit(changed string) {
	out := make([]api.ConnectionStatus, 0, len(w.conns))
	for _, c := range w.conns {
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	w.report(Update{Link: LinkUp, Connections: out, Changed: changed})
}
