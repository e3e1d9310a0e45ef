package ike

import (
	"time"
)

// connTimers are the connection-wide timers: liveness checks, NAT
// keepalives, reauthentication, and the half-open guard of a responder.
type connTimers struct {
	dpd, keepalive, halfOpen, reauth Timer
	cookieSecret                     []byte
}

func (t *connTimers) stop() {
	for _, x := range []Timer{t.dpd, t.keepalive, t.halfOpen, t.reauth} {
		if x != nil {
			x.Stop()
		}
	}
	clear(t.cookieSecret)
}

// startTimers arms the timers of an established connection.
func (d *Daemon) startTimers() {
	d.esp = espActivity{heard: d.clock.Now()}
	if d.cfg.DPDDelay > 0 {
		d.scheduleDPD(d.firstDPD())
	}
	if d.cfg.NATKeepalive > 0 && d.localNAT && d.natt {
		d.scheduleKeepalive(d.cfg.NATKeepalive)
	}
	d.rekey.scheduleIKERekey()
}

// scheduleDPD arms the liveness timer (RFC 7296 §1.4): when nothing came
// from the peer for DPDDelay, an empty INFORMATIONAL request must be
// answered within DPDTimeout (liveness.go, silence.go).
func (d *Daemon) scheduleDPD(wait time.Duration) {
	d.timers.dpd = d.after(wait, d.livenessTick)
}

// keepalive is the NAT keepalive datagram: one 0xFF octet (RFC 3948 §2.3).
var keepalive = []byte{0xff}

// scheduleKeepalive sends a keepalive when we sent nothing for the
// interval, keeping the NAT's mapping.
func (d *Daemon) scheduleKeepalive(wait time.Duration) {
	d.timers.keepalive = d.after(wait, func() {
		idle := d.clock.Now().Sub(d.xchg.lastSent)
		if idle >= d.cfg.NATKeepalive && d.socks.NATT != nil {
			d.sendKeepalive()
			idle = 0
		}
		d.scheduleKeepalive(d.cfg.NATKeepalive - idle)
	})
}
