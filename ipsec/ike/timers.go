package ike

import (
	"math/rand/v2"
	"time"
)

// connTimers are the connection-wide timers: liveness checks, NAT
// keepalives, the IKE SA's rekey, and the half-open guard of a responder.
type connTimers struct {
	dpd, keepalive, ikeRekey, halfOpen, reauth Timer
	cookieSecret                               []byte
}

func (t *connTimers) stop() {
	for _, x := range []Timer{t.dpd, t.keepalive, t.ikeRekey, t.halfOpen, t.reauth} {
		if x != nil {
			x.Stop()
		}
	}
	clear(t.cookieSecret)
}

// jittered returns d less a random part of the jitter, so that both ends of
// an SA do not rekey at the same moment (the cause of §2.8.1 collisions).
func (d *Daemon) jittered(dur time.Duration) time.Duration {
	j := d.cfg.RekeyJitter
	if j == 0 {
		j = dur / 10
	}
	if j <= 0 || j >= dur {
		return dur
	}
	return dur - time.Duration(rand.Int64N(int64(j)))
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
	d.scheduleIKERekey()
}

func (d *Daemon) scheduleIKERekey() {
	if d.timers.ikeRekey != nil {
		d.timers.ikeRekey.Stop()
	}
	if d.cfg.IKERekeyTime > 0 {
		d.timers.ikeRekey = d.after(d.jittered(d.cfg.IKERekeyTime), d.rekeyIKE)
	}
}

func (d *Daemon) scheduleChildRekey(c *child) {
	if c.rekeyTimer != nil {
		c.rekeyTimer.Stop()
	}
	if d.cfg.ChildRekeyTime > 0 {
		c.rekeyTimer = d.after(d.jittered(d.cfg.ChildRekeyTime), func() {
			if c.state == childInstalled && c.outbound {
				d.rekeyChild(c)
			}
		})
	}
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
