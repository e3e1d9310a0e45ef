package conn

import (
	"fmt"
	"time"
)

// RetryPolicy says how a dropped connection is re-established. The first
// attempt of a Connect is never retried: its failure is shown at once.
// After a drop the helper dials again at once, then after Backoff,
// doubling after each failure up to MaxBackoff, which is how strongSwan's
// Android client spaces its automatic retries (5 s doubling, at most two
// minutes). A change of the network or a resume from sleep cuts the wait
// short and starts the doubling over.
type RetryPolicy struct {
	// Attempts is how many dials follow a drop before the connection is
	// marked failed; zero means no limit: the helper keeps trying as long
	// as the user wants the connection up.
	Attempts int
	// Backoff is the pause after the first failed attempt; it doubles
	// after each further one up to MaxBackoff.
	Backoff, MaxBackoff time.Duration
	// Stable is how long a session must have lasted for a drop to start a
	// fresh series of attempts (beginning with an immediate one), so a
	// gateway that accepts and then drops every connection is not dialed
	// in a tight loop.
	Stable time.Duration
}

// DefaultRetryPolicy is the helper's policy: unbounded attempts, 5 s
// doubling up to two minutes.
var DefaultRetryPolicy = RetryPolicy{Backoff: 5 * time.Second, MaxBackoff: 2 * time.Minute, Stable: time.Minute}

// retrier counts the attempts of one series and spaces them.
type retrier struct {
	policy RetryPolicy
	// made is the number of reconnection attempts made in this series.
	made int
	// backoff is the pause after the next failure.
	backoff time.Duration
}

func newRetrier(p RetryPolicy) retrier {
	return retrier{policy: p, backoff: p.Backoff}
}

// exhausted reports whether the policy allows no further attempt.
func (r *retrier) exhausted() bool {
	return r.policy.Attempts > 0 && r.made >= r.policy.Attempts
}

// failed returns the pause after a failed attempt and doubles the next.
func (r *retrier) failed() time.Duration {
	d := r.backoff
	r.backoff = min(2*r.backoff, r.policy.MaxBackoff)
	return d
}

// reset starts a fresh series: after a stable session the first attempt
// is immediate and the backoff starts over.
func (r *retrier) reset() {
	r.made = 0
	r.backoff = r.policy.Backoff
}

// hurry starts the doubling over (the network changed, so earlier
// failures say little about the next attempt) but keeps the count, which
// the user sees.
func (r *retrier) hurry() {
	r.backoff = r.policy.Backoff
}

// retryState is what the status says about a reconnection in progress.
type retryState struct {
	// attempt is the number of the attempt under way or coming next,
	// counted from 1 since the drop.
	attempt int
	// next is when the next attempt starts; zero while one is under way.
	next time.Time
}

// describe renders r in words: "reconnecting (attempt 3, next in 8s)"
// while waiting, "reconnecting (attempt 3)" while dialing.
func (r retryState) describe(now time.Time) string {
	if r.next.IsZero() {
		return fmt.Sprintf("reconnecting (attempt %d)", r.attempt)
	}
	wait := max(r.next.Sub(now), 0)
	// Round up, so "next in 0s" is only shown once the time has come.
	secs := (wait + time.Second - 1) / time.Second
	return fmt.Sprintf("reconnecting (attempt %d, next in %ds)", r.attempt, secs)
}
