package core

import (
	"errors"
	"fmt"
)

// ErrChildExpired: the connection's Child SA reached its hard lifetime in
// the data path before a rekey replaced it, which leaves the connection
// without a usable Child SA. Connecting again can fix it.
var ErrChildExpired = errors.New("ike: Child SA expired without a rekey")

// Expiry is a lifetime limit one direction of a Child SA reached in the
// data path (datapath.EventSoftExpire and EventHardExpire, including the
// sequence numbers running out, RFC 4303 §3.3.3).
type Expiry struct {
	// SPI names the SA: our inbound SPI, or the peer's for Outbound.
	SPI      uint32
	Outbound bool
	// Hard is set for a hard limit: the data path no longer uses the SA.
	// A soft limit asks for a rekey.
	Hard bool
}

// Expire hands the Conn a lifetime event of the data path. A soft one
// starts the Child SA's rekey now (RFC 7296 §1.3.3), without waiting for
// its rekey timer: the sequence numbers may be running out. A hard one
// deletes the SA (§1.4.1); when nothing had replaced it the connection is
// left without a Child SA and goes down with ErrChildExpired, the IKE SA
// deleted too, so that its owner connects again; the error wraps the
// *RekeyError of a rekey that failed before.
func (d *Machine) Expire(e Expiry) {
	d.post(func() { d.Children.expire(e) })
}

func (m *childSAs) expire(e Expiry) {
	sa := m.SA
	if sa == nil || !sa.Established || sa.Deleting {
		return
	}
	var c *Child
	for _, x := range m.List {
		if (!e.Outbound && x.InSPI == e.SPI) || (e.Outbound && x.outSPI == e.SPI) {
			c = x
		}
	}
	if c == nil {
		return
	}
	if !e.Hard {
		if c.state == childInstalled {
			m.Log.Info("ike: Child SA soft lifetime reached, rekeying", "spi", c.InSPI)
			m.rekey.rekeyChild(c)
		}
		return
	}
	switch {
	case c.state == childDeleting || c.state == childRedundant:
		// Its delete is already under way.
	case c.state == childRekeying:
		// The rekey in flight replaces it and then deletes it.
		m.Log.Info("ike: Child SA hard lifetime reached during its rekey", "spi", c.InSPI)
	case c.state == childRekeyed || c.replacement != nil:
		m.Log.Info("ike: rekeyed Child SA hard lifetime reached, deleting it", "spi", c.InSPI)
		m.live.deleteChild(c, nil)
	default:
		m.Log.Warn("ike: Child SA hard lifetime reached without a rekey", "spi", c.InSPI)
		m.live.sendDeleteIKE(sa)
		if c.rekeyErr != nil {
			// The rekey that failed is the cause to report.
			m.Down(fmt.Errorf("%w: %w", ErrChildExpired, c.rekeyErr))
			return
		}
		m.Down(ErrChildExpired)
	}
}
