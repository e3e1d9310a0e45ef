package session

import (
	"fmt"
	"strings"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/sad"
)

// defaultDropReport is how often a session reports its new drops while
// the helper logs at debug level: at most one line per connection and
// interval, however fast packets are dropped.
const defaultDropReport = 10 * time.Second

// dropCounts are a session's drops by reason: the engine's ESP drops
// (ipsec/sad's reasons), the kernel's at the queues the engine reads
// (queuedrops.go) and the negotiation's IKE drops, named "ike_...".
// Dummy packets (RFC 4303 §2.6) are no error and are left out.
type dropCounts struct {
	esp         [sad.NumDropReasons]uint64
	deviceQueue uint64
	socketQueue uint64
	ike         ike.Drops
}

// named returns the non-zero counts by reason name, nil when there are
// none.
func (c dropCounts) named() map[string]uint64 {
	var m map[string]uint64
	add := func(name string, n uint64) {
		if n == 0 {
			return
		}
		if m == nil {
			m = make(map[string]uint64)
		}
		m[name] = n
	}
	for r := sad.DropReason(1); r < sad.NumDropReasons; r++ {
		if r != sad.DropDummy {
			add(r.String(), c.esp[r])
		}
	}
	add("device_queue", c.deviceQueue)
	add("socket_queue", c.socketQueue)
	add("ike_unparsable", c.ike.Unparsable)
	add("ike_no_sa", c.ike.NoSA)
	add("ike_wrong_source", c.ike.WrongSource)
	add("ike_unexpected", c.ike.Unexpected)
	add("ike_unauthenticated", c.ike.Unauthenticated)
	add("ike_error_notify", c.ike.ErrorNotify)
	return m
}

// dropReport turns drop counts into log lines of what is new since the
// last line.
type dropReport struct {
	last map[string]uint64
}

// next returns a line naming the drops that grew since the last call,
// with their totals ("" when none did), and remembers now's counts.
func (r *dropReport) next(now dropCounts) string {
	cur := now.named()
	var parts []string
	for _, name := range dropNames {
		if n, was := cur[name], r.last[name]; n > was {
			parts = append(parts, fmt.Sprintf("%s +%d (%d in all)", name, n-was, n))
		}
	}
	r.last = cur
	if len(parts) == 0 {
		return ""
	}
	return "dropped: " + strings.Join(parts, ", ")
}

// dropNames orders the reasons in a report line.
var dropNames = func() []string {
	var names []string
	for r := sad.DropReason(1); r < sad.NumDropReasons; r++ {
		if r != sad.DropDummy {
			names = append(names, r.String())
		}
	}
	return append(names, "device_queue", "socket_queue", "ike_unparsable", "ike_no_sa", "ike_wrong_source", "ike_unexpected", "ike_unauthenticated", "ike_error_notify")
}()

// drops returns the session's drop counts so far.
func (s *Session) drops() dropCounts {
	var c dropCounts
	if s.eng != nil {
		c.esp = s.eng.Stats().Drops
	}
	c.deviceQueue, c.socketQueue = s.queueDrops.read()
	s.mu.Lock()
	neg := s.neg
	s.mu.Unlock()
	if d, ok := neg.(interface{ Drops() ike.Drops }); ok {
		c.ike = d.Drops()
	}
	return c
}

// reportDrops logs, at debug level, the drops since the last report.
func (s *Session) reportDrops(r *dropReport) {
	if !s.d.debugEnabled() {
		return
	}
	if line := r.next(s.drops()); line != "" {
		s.logf(api.LevelDebug, "%s", line)
	}
}
