package core

import "sync/atomic"

// Drops counts the IKE datagrams a connection dropped, by reason. None of them
// changes any state: a message is acted on only once it is known to
// belong to an exchange of ours, and, unless it opens an IKE SA, once it
// passed its integrity check (RFC 7296 §2.21.1, §2.21.4).
type Drops struct {
	// Unparsable: not an IKE message we can read.
	Unparsable uint64
	// NoSA: for no IKE SA of ours (unknown SPIs, or our own message
	// reflected).
	NoSA uint64
	// WrongSource: an unauthenticated response from an address or port
	// our request did not go to.
	WrongSource uint64
	// Unexpected: a response to no request in flight, or with another
	// message ID or exchange type than it; a request outside the window
	// (§2.3).
	Unexpected uint64
	// Unauthenticated: a message that failed its integrity check, or an
	// unprotected one where only a protected one is acted on.
	Unauthenticated uint64
	// ErrorNotify: an error notify in an IKE_SA_INIT response, noted while
	// the exchange kept waiting for a valid answer.
	ErrorNotify uint64
}

// dropCounters are the Machine's Drops, counted on its goroutine and read
// from any.
type dropCounters struct {
	unparsable, noSA, wrongSource, unexpected, unauthenticated, errorNotify atomic.Uint64
}

// Drops returns the datagrams dropped so far, by reason. It may be called
// from any goroutine.
func (d *Machine) Drops() Drops {
	c := &d.drops
	return Drops{
		Unparsable:      c.unparsable.Load(),
		NoSA:            c.noSA.Load(),
		WrongSource:     c.wrongSource.Load(),
		Unexpected:      c.unexpected.Load(),
		Unauthenticated: c.unauthenticated.Load(),
		ErrorNotify:     c.errorNotify.Load(),
	}
}
