package explain

import (
	"fmt"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// Progress says where a reconnection stands, in lower case for the middle
// of a line: "attempt 3 in 8s" while it waits, "attempt 3 under way" while
// it dials. The wait is rounded up to the second, so "in 0s" only shows
// once the time has come; nil gives "".
func Progress(r *api.Reconnect, now time.Time) string {
	if r == nil {
		return ""
	}
	if r.NextAt == nil {
		return fmt.Sprintf("attempt %d under way", r.Attempt)
	}
	wait := max(r.NextAt.Sub(now), 0)
	wait = (wait + time.Second - 1).Truncate(time.Second)
	return fmt.Sprintf("attempt %d in %v", r.Attempt, wait)
}
