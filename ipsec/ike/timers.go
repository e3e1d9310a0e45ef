package ike

import (
	"time"

	"github.com/espressovpn/espresso/platform"
)

// startTimers arms the timers of an established connection.
func (d *Conn) startTimers() {
	d.live.esp = espActivity{heard: d.clock.Now()}
	if d.cfg.DPDDelay > 0 {
		d.live.scheduleDPD(d.live.firstDPD())
	}
	if d.cfg.NATKeepalive > 0 && d.localNAT && d.natt {
		d.live.scheduleKeepalive(d.cfg.NATKeepalive)
	}
	d.rekey.scheduleIKERekey()
}

// scheduleDPD arms the liveness timer (RFC 7296 §1.4): when nothing came
// from the peer for DPDDelay, an empty INFORMATIONAL request must be
// answered within DPDTimeout (liveness.go, silence.go).
func (v *liveness) scheduleDPD(wait time.Duration) {
	v.dpdTimer = v.after(wait, v.livenessTick)
}

// keepalive is the NAT keepalive datagram: one 0xFF octet (RFC 3948 §2.3).
var keepalive = []byte{0xff}

// scheduleKeepalive sends a keepalive when we sent nothing for the
// interval, keeping the NAT's mapping.
func (v *liveness) scheduleKeepalive(wait time.Duration) {
	v.keepaliveTimer = v.after(wait, func() {
		idle := v.clock.Now().Sub(v.xchg.lastSent)
		if idle >= v.cfg.NATKeepalive && v.socks.NATT != nil {
			v.sendKeepalive()
			idle = 0
		}
		v.scheduleKeepalive(v.cfg.NATKeepalive - idle)
	})
}

// sendKeepalive sends one NAT keepalive to the peer's port 4500.
func (v *liveness) sendKeepalive() {
	if _, err := v.socks.NATT.WriteBatch([]platform.Datagram{{Buf: keepalive, Addr: v.remote}}); err != nil {
		v.log.Debug("ike: keepalive", "err", err)
	}
	v.xchg.lastSent = v.clock.Now()
}
