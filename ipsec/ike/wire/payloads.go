package wire

import "iter"

// Payloads is a list of payloads in message order, with look-up helpers.
type Payloads []Payload

// Find returns the first payload of type t, or nil.
func (ps Payloads) Find(t PayloadType) Payload {
	for _, p := range ps {
		if p.Type() == t {
			return p
		}
	}
	return nil
}

// Notify returns the first Notify payload of type t, or nil.
func (ps Payloads) Notify(t NotifyType) *Notify {
	for n := range ps.Notifies(t) {
		return n
	}
	return nil
}

// Notifies yields every Notify payload of type t in order; NAT detection
// notifies, for one, may come several at a time (RFC 7296 §2.23).
func (ps Payloads) Notifies(t NotifyType) iter.Seq[*Notify] {
	return func(yield func(*Notify) bool) {
		for _, p := range ps {
			if n, ok := p.(*Notify); ok && n.NotifyType == t && !yield(n) {
				return
			}
		}
	}
}

// ErrorNotify returns the first Notify payload of an error type (RFC 7296
// §3.10.1: types below 16384), or nil.
func (ps Payloads) ErrorNotify() *Notify {
	for _, p := range ps {
		if n, ok := p.(*Notify); ok && n.NotifyType.IsError() {
			return n
		}
	}
	return nil
}

// First returns the first payload of ps with the Go type P, as in
// First[*Nonce](m.Payloads).
func First[P Payload](ps Payloads) (P, bool) {
	for _, p := range ps {
		if v, ok := p.(P); ok {
			return v, true
		}
	}
	var zero P
	return zero, false
}
