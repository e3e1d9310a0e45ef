package core

import (
	"math/rand/v2"
	"time"
)

// rekeying replaces the connection's SAs before their lifetimes run out:
// the IKE SA (RFC 7296 §2.18, rekey_ike.go) and the Child SAs (§2.8,
// rekey_child.go) with CREATE_CHILD_SA, both ways, resolving collisions
// (§2.8.1, §2.8.2), and a Child SA rekey the peer refused retried with
// back-off (rekey_failed.go).
type rekeying struct {
	*Machine
	// ikeTimer starts the next rekey of the IKE SA.
	ikeTimer Timer
}

// stop stops the IKE SA's rekey timer; the Child SAs' go with them.
func (k *rekeying) stop() {
	if k.ikeTimer != nil {
		k.ikeTimer.Stop()
	}
}

// jittered returns d less a random part of the jitter, so that both ends of
// an SA do not rekey at the same moment (the cause of §2.8.1 collisions).
func (k *rekeying) jittered(dur time.Duration) time.Duration {
	j := k.Cfg.RekeyJitter
	if j == 0 {
		j = dur / 10
	}
	if j <= 0 || j >= dur {
		return dur
	}
	return dur - time.Duration(rand.Int64N(int64(j)))
}

func (k *rekeying) scheduleIKERekey() {
	if k.ikeTimer != nil {
		k.ikeTimer.Stop()
	}
	if k.Cfg.IKERekeyTime > 0 {
		k.ikeTimer = k.After(k.jittered(k.Cfg.IKERekeyTime), k.rekeyIKE)
	}
}

func (k *rekeying) scheduleChildRekey(c *Child) {
	if c.rekeyTimer != nil {
		c.rekeyTimer.Stop()
	}
	if k.Cfg.ChildRekeyTime > 0 {
		c.rekeyTimer = k.After(k.jittered(k.Cfg.ChildRekeyTime), func() {
			if c.state == childInstalled && c.Outbound {
				k.rekeyChild(c)
			}
		})
	}
}
