package core

import (
	"time"

	"github.com/espressovpn/espresso/ipsec/socket"
)

// startTimers arms the timers of an established connection.
func (d *Machine) startTimers() {
	d.live.esp = espActivity{heard: d.Clock.Now()}
	if d.Cfg.DPDDelay > 0 {
		d.live.scheduleDPD(d.live.firstDPD())
	}
	if d.Cfg.NATKeepalive > 0 && d.LocalNAT && d.NATT {
		d.live.scheduleKeepalive(d.Cfg.NATKeepalive)
	}
	d.rekey.scheduleIKERekey()
}

// scheduleDPD arms the liveness timer (RFC 7296 §1.4): when nothing came
// from the peer for DPDDelay, an empty INFORMATIONAL request must be
// answered within DPDTimeout (liveness.go, silence.go).
func (v *liveness) scheduleDPD(wait time.Duration) {
	v.dpdTimer = v.After(wait, v.livenessTick)
}

// keepalive is the NAT keepalive datagram: one 0xFF octet (RFC 3948 §2.3).
var keepalive = []byte{0xff}

// scheduleKeepalive sends a keepalive when we sent nothing for the
// interval, keeping the NAT's mapping.
func (v *liveness) scheduleKeepalive(wait time.Duration) {
	v.keepaliveTimer = v.After(wait, func() {
		idle := v.Clock.Now().Sub(v.Xchg.lastSent)
		if idle >= v.Cfg.NATKeepalive && v.socks.NATT != nil {
			v.sendKeepalive()
			idle = 0
		}
		v.scheduleKeepalive(v.Cfg.NATKeepalive - idle)
	})
}

// sendKeepalive sends one NAT keepalive to the peer's port 4500.
func (v *liveness) sendKeepalive() {
	if _, err := v.socks.NATT.WriteBatch([]socket.Datagram{{Buf: keepalive, Addr: v.Remote}}); err != nil {
		v.Log.Debug("ike: keepalive", "err", err)
	}
	v.Xchg.lastSent = v.Clock.Now()
}
