package core

// A Child SA replaced by a rekey is deleted with an INFORMATIONAL exchange
// (RFC 7296 §1.4.1, §2.8), but IKE messages and ESP do not travel in step:
// the peer may have sealed packets with the old SA that are still in its
// queues or on the wire when the delete, or the answer to ours, arrives.
// Removing the inbound direction at once would drop them. Like strongSwan
// (charon.delete_rekeyed_delay), the Conn keeps the replaced SA in the
// data path for Config.DeleteRekeyedDelay after its delete; outbound traffic
// already left it when its replacement was activated.

// Retire forgets a deleted Child SA and, when another SA replaced it,
// leaves it in the data path for the linger delay; otherwise, or without a
// delay, it goes at once.
func (m *childSAs) Retire(c *Child, replaced bool) {
	m.forget(c)
	if !replaced || !c.Installed || m.Cfg.DeleteRekeyedDelay <= 0 {
		m.remove(c)
		return
	}
	if c.rekeyTimer != nil {
		c.rekeyTimer.Stop()
	}
	m.retired = append(m.retired, c)
	c.rekeyTimer = m.After(m.Cfg.DeleteRekeyedDelay, func() { m.dropRetired(c) })
}

// dropRetired removes a retired Child SA from the data path once its delay
// has passed.
func (m *childSAs) dropRetired(c *Child) {
	for i, x := range m.retired {
		if x == c {
			m.retired = append(m.retired[:i], m.retired[i+1:]...)
			m.remove(c)
			return
		}
	}
}
