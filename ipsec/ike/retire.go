package ike

// A Child SA replaced by a rekey is deleted with an INFORMATIONAL exchange
// (RFC 7296 §1.4.1, §2.8), but IKE messages and ESP do not travel in step:
// the peer may have sealed packets with the old SA that are still in its
// queues or on the wire when the delete, or the answer to ours, arrives.
// Removing the inbound direction at once would drop them. Like strongSwan
// (charon.delete_rekeyed_delay), the Daemon keeps the replaced SA in the
// data path for Config.DeleteRekeyedDelay after its delete; outbound traffic
// already left it when its replacement was activated.

// retire forgets a deleted Child SA and, when another SA replaced it,
// leaves it in the data path for the linger delay; otherwise, or without a
// delay, it goes at once.
func (d *Daemon) retire(c *child, replaced bool) {
	d.forget(c)
	if !replaced || !c.installed || d.cfg.DeleteRekeyedDelay <= 0 {
		d.removeChild(c)
		return
	}
	if c.rekeyTimer != nil {
		c.rekeyTimer.Stop()
	}
	d.retired = append(d.retired, c)
	c.rekeyTimer = d.after(d.cfg.DeleteRekeyedDelay, func() { d.dropRetired(c) })
}

// dropRetired removes a retired Child SA from the data path once its delay
// has passed.
func (d *Daemon) dropRetired(c *child) {
	for i, x := range d.retired {
		if x == c {
			d.retired = append(d.retired[:i], d.retired[i+1:]...)
			d.removeChild(c)
			return
		}
	}
}
