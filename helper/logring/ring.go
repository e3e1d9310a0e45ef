// Package logring keeps the helper's recent log entries in a fixed-size
// ring, so the local API can serve them and stream new ones without the
// log growing with the helper's uptime.
package logring

import (
	"fmt"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// MaxMessage bounds the length of one message, in bytes; longer messages
// are cut.
const MaxMessage = 2048

// Ring is a bounded log. It is safe for concurrent use. Followers wait on
// a channel that is closed at the next append (one channel for all of
// them), so a slow follower costs nothing and falls behind only as far as
// the ring reaches: Since then reports the gap.
type Ring struct {
	mu     sync.Mutex
	buf    []api.LogEntry
	next   int    // index of the slot the next entry goes to
	seq    uint64 // sequence number of the newest entry
	notify chan struct{}
	now    func() time.Time
	mirror io.Writer
	sink   Sink
	// min is the rank (api.Level.Rank) of the least severe level
	// recorded.
	min atomic.Int32
}

// Sink receives every recorded entry, in order, such as the system log.
// It is called with the ring locked and must not log to the ring.
type Sink interface {
	Log(e api.LogEntry)
}

// New returns a ring holding the newest capacity entries. now stamps the
// entries (time.Now if nil). Each entry is also written as one line to
// mirror if it is not nil (the service's standard error, which the system's
// journal keeps).
func New(capacity int, now func() time.Time, mirror io.Writer) *Ring {
	if capacity < 1 {
		capacity = 1
	}
	if now == nil {
		now = time.Now
	}
	r := &Ring{buf: make([]api.LogEntry, 0, capacity), notify: make(chan struct{}), now: now, mirror: mirror}
	r.min.Store(int32(api.LevelInfo.Rank()))
	return r
}

// SetSink makes s receive every entry recorded from now on; nil stops.
func (r *Ring) SetSink(s Sink) {
	r.mu.Lock()
	r.sink = s
	r.mu.Unlock()
}

// SetLevel sets the least severe level recorded: entries below it are
// dropped, not kept. A new ring records info and above.
func (r *Ring) SetLevel(l api.Level) error {
	if l.Rank() < 0 {
		return fmt.Errorf("unknown log level %q", l)
	}
	r.min.Store(int32(l.Rank()))
	return nil
}

// Level returns the least severe level recorded.
func (r *Ring) Level() api.Level {
	for _, l := range []api.Level{api.LevelDebug, api.LevelInfo, api.LevelWarn, api.LevelError} {
		if int32(l.Rank()) == r.min.Load() {
			return l
		}
	}
	return api.LevelInfo
}

// Enabled reports whether entries of level are recorded, so that callers
// can skip building debug messages nobody keeps.
func (r *Ring) Enabled(level api.Level) bool {
	return int32(level.Rank()) >= r.min.Load()
}

// Logf records an entry about connection (empty for the helper itself).
// Callers must not pass secrets: the entry is served to every client.
func (r *Ring) Logf(level api.Level, connection, format string, args ...any) {
	if !r.Enabled(level) {
		return
	}
	msg := fmt.Sprintf(format, args...)
	if len(msg) > MaxMessage {
		msg = msg[:MaxMessage]
	}
	r.mu.Lock()
	r.seq++
	e := api.LogEntry{Seq: r.seq, Time: r.now(), Level: level, Connection: connection, Message: msg}
	if len(r.buf) < cap(r.buf) {
		r.buf = append(r.buf, e)
	} else {
		r.buf[r.next] = e
	}
	r.next = (r.next + 1) % cap(r.buf)
	close(r.notify)
	r.notify = make(chan struct{})
	if r.mirror != nil {
		fmt.Fprintln(r.mirror, formatLine(e))
	}
	if r.sink != nil {
		r.sink.Log(e)
	}
	r.mu.Unlock()
}

// formatLine renders an entry as one text line.
func formatLine(e api.LogEntry) string {
	if e.Connection != "" {
		return fmt.Sprintf("%s [%s] %s", e.Level, e.Connection, e.Message)
	}
	return fmt.Sprintf("%s %s", e.Level, e.Message)
}

// Since returns the entries newer than seq, oldest first, and a channel
// that is closed when the next entry is recorded. Entries the ring has
// overwritten are gone: the first returned Seq is then above seq+1.
func (r *Ring) Since(seq uint64) ([]api.LogEntry, <-chan struct{}) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []api.LogEntry
	n := len(r.buf)
	start := 0
	if n == cap(r.buf) {
		start = r.next // the oldest slot once the ring is full
	}
	for i := range n {
		e := r.buf[(start+i)%n]
		if e.Seq > seq {
			out = append(out, e)
		}
	}
	return out, r.notify
}
