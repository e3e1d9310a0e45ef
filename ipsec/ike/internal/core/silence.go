package core

import "time"

// Liveness checks follow inbound silence, as strongSwan's do: ESP from the
// peer proves it alive as well as IKE does (RFC 7296 §1.4: "receipt of a
// fresh cryptographically protected message on the IKE SA or any of its
// Child SAs ensures liveness"), so no check goes out while ESP arrives.
// The data path reports nothing per packet: the liveness timer reads the
// packet counters it keeps anyway (TrafficCounter) every few seconds while
// a check is not yet due, which places the start of a silence to within
// that period.
//
// The same reading notices ESP of ours that gets no answer. Behind a NAT
// that remapped our port, the gateway's ESP goes to the old mapping and is
// lost, while IKE requests from the new one are answered: so a check also
// goes out when inbound ESP stayed silent for the DPD interval while we
// sent some, even if the gateway's own liveness checks kept IKE busy, and
// its answer, with MOBIKE, leads to an address update (mobike.go).

// Bounds of the period at which the liveness timer reads the counters: a
// tenth of the DPD interval, so that a check follows a silence by the
// interval plus at most a tenth or so.
const (
	minTrafficSample = time.Second
	maxTrafficSample = 3 * time.Second
)

// espActivity is what the liveness timer last learnt from the Child SAs'
// packet counters.
type espActivity struct {
	// heard is when inbound ESP was last seen to advance, or when the
	// connection came up.
	heard time.Time
	// unanswered is set when outbound ESP advanced since heard and
	// inbound did not.
	unanswered bool
	// probed is set once a liveness check went out for unanswered ESP,
	// refreshed once an address update did; both last until inbound ESP
	// comes again, so that a silence costs one of each.
	probed, refreshed bool
}

// trafficSample is the period at which the counters are read.
func (v *liveness) trafficSample() time.Duration {
	return min(max(v.Cfg.DPDDelay/10, minTrafficSample), maxTrafficSample, v.Cfg.DPDDelay)
}

// sampleESP reads the packet counters of the Child SAs in the data path
// and updates d.esp; it reports false when the data path keeps none.
func (v *liveness) sampleESP(now time.Time) bool {
	tc, ok := v.opt.DataPath.(TrafficCounter)
	if !ok {
		return false
	}
	var in, out bool
	for _, cs := range [][]*Child{v.Children.List, v.Children.retired} {
		for _, c := range cs {
			if !c.Installed || c.Sa == nil {
				continue
			}
			i, o, ok := tc.Traffic(c.Sa)
			if !ok {
				continue
			}
			in = in || i > c.seenIn
			out = out || o > c.seenOut
			c.seenIn, c.seenOut = i, o
		}
	}
	switch {
	case in:
		v.esp = espActivity{heard: now}
	case out:
		v.esp.unanswered = true
	}
	return true
}

// livenessTick runs the liveness timer: a check when nothing came from the
// peer for DPDDelay, IKE or ESP, or when our ESP got no answer for as long;
// otherwise the timer is armed again for when one may fall due, or for the
// next reading of the counters.
func (v *liveness) livenessTick() {
	sa := v.SA
	if sa == nil || !sa.Established {
		return
	}
	now := v.Clock.Now()
	counted := v.sampleESP(now)
	delay := v.Cfg.DPDDelay
	heard := sa.LastHeard
	if v.esp.heard.After(heard) {
		heard = v.esp.heard
	}
	switch {
	case now.Sub(heard) >= delay:
		v.checkLiveness(sa)
	case v.esp.unanswered && !v.esp.probed && now.Sub(v.esp.heard) >= delay:
		v.Log.Info("ike: our ESP gets no answer; checking the path", "silent", now.Sub(v.esp.heard))
		v.esp.probed = true
		v.checkLiveness(sa)
	default:
		wait := delay - now.Sub(heard)
		if counted {
			wait = min(wait, v.trafficSample())
		}
		v.scheduleDPD(wait)
		return
	}
	v.scheduleDPD(delay)
}

// firstDPD is when the liveness timer first runs on a new connection: at
// the first reading of the counters when the data path keeps them.
func (v *liveness) firstDPD() time.Duration {
	if _, ok := v.opt.DataPath.(TrafficCounter); ok {
		return v.trafficSample()
	}
	return v.Cfg.DPDDelay
}
