package ike

import (
	"net/netip"
	"slices"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// Reauthentication (RFC 7296 §2.8.3) replaces the IKE SA by one created
// from scratch, with IKE_SA_INIT and IKE_AUTH, so that both ends check
// their credentials again; a rekey keeps the old authentication. The new
// SA is negotiated beside the current one on the same sockets (messages
// find their SA by SPI), asks for the same traffic selectors and virtual
// addresses, and only once its first Child SA is installed does outbound
// traffic move to it and the old IKE SA get deleted with its Child SAs:
// make-before-break, as strongSwan's make_before_break option does.

// reauthMargin is how long before the deadline a reauthentication
// starts: a tenth of the lifetime, at most a minute, leaving time for
// retransmissions.
func reauthMargin(life time.Duration) time.Duration { return min(life/10, time.Minute) }

// authLifetime reads the peer's AUTH_LIFETIME (RFC 4478 §3), 0 without.
func authLifetime(ps wire.Payloads) time.Duration {
	n := ps.Notify(wire.AuthLifetime)
	if n == nil {
		return 0
	}
	s, err := n.Lifetime()
	if err != nil {
		return 0
	}
	return time.Duration(s) * time.Second
}

// scheduleReauth arms the reauthentication for the smaller of
// Config.ReauthTime and the peer's lifetime, less the margin.
func (i *initiator) scheduleReauth(peerLifetime time.Duration) {
	if i.reauthTimer != nil {
		i.reauthTimer.Stop()
		i.reauthTimer = nil
	}
	life := i.cfg.ReauthTime
	if peerLifetime > 0 && (life <= 0 || peerLifetime < life) {
		life = peerLifetime
	}
	if life <= 0 {
		return
	}
	i.log.Info("ike: reauthentication scheduled", "in", life-reauthMargin(life))
	i.reauthTimer = i.after(life-reauthMargin(life), i.startReauth)
}

// Reauthenticate starts a reauthentication now, as the lifetime would; a
// responder leaves it to the initiator.
func (d *Conn) Reauthenticate() {
	d.post(func() { d.role.reauthenticate() })
}

// startReauth begins the new IKE SA with IKE_SA_INIT (§1.2) while the
// current one goes on carrying traffic.
func (i *initiator) startReauth() {
	cur := i.sa
	if cur == nil || !cur.established || cur.deleting || i.reauth != nil {
		return
	}
	spi, err := randomSPI(i.rand, 8)
	var ni []byte
	if err == nil {
		ni, err = randomNonce(i.rand)
	}
	if err != nil {
		i.log.Warn("ike: reauthentication failed", "err", err)
		i.emit(&ReauthFailed{Err: err})
		return
	}
	i.log.Info("ike: reauthenticating")
	sa := &ikeSA{spiI: spi, initiator: true, ni: ni}
	i.reauth = sa
	i.sendInit(sa, keMethods(i.cfg.IKEProposals)[0])
}

// fail ends the negotiation of sa with err: a reauthentication is given
// up, leaving the current SA in place; anything else ends the connection.
func (d *Conn) fail(sa *ikeSA, err error) {
	if sa != nil && sa == d.reauth {
		d.reauthFailed(err)
		return
	}
	d.down(err)
}

// reauthFailed abandons the reauthentication in progress. The current SA
// stays until it expires or the peer deletes it.
func (d *Conn) reauthFailed(err error) {
	sa := d.reauth
	d.reauth = nil
	sa.end()
	d.log.Warn("ike: reauthentication failed", "err", err)
	d.emit(&ReauthFailed{Err: err})
}

// outboundChild is the Child SA carrying our outbound traffic, nil if none.
func (d *Conn) outboundChild() *child {
	for _, c := range d.children.list {
		if c.outbound && c.installed {
			return c
		}
	}
	return nil
}

// reauthenticated completes an initiator's reauthentication: ch, already
// carrying outbound traffic, is the connection's Child SA now; the old
// ones keep their inbound direction for the retire delay, for what the
// peer sent before it learnt of the switch, and the old IKE SA is deleted,
// which deletes its Child SAs at the peer (§1.4.1).
func (i *initiator) reauthenticated(sa *ikeSA, peer wire.Identity, ch *child, prev []netip.Addr, peerLifetime time.Duration) {
	old, oldChildren := i.sa, i.children.list
	i.reauth, i.sa, i.children.list = nil, sa, []*child{ch}
	sa.lastHeard = i.clock.Now()
	i.mobike.peerKnows = i.localAddr().Addr()
	for _, c := range oldChildren {
		i.children.retire(c, true)
	}
	i.restartTimers()
	i.mobike.learnMapping(sa)
	i.scheduleReauth(peerLifetime)
	i.live.deleteOldIKE(old)
	i.emitReauthenticated(old, sa, peer, ch, prev)
}

// restartTimers rearms the connection's timers for a new IKE SA.
func (d *Conn) restartTimers() {
	d.live.stop()
	d.startTimers()
}

// emitReauthenticated reports a completed reauthentication.
func (d *Conn) emitReauthenticated(old, sa *ikeSA, peer wire.Identity, ch *child, prev []netip.Addr) {
	changed := !slices.Equal(prev, d.vips)
	d.log.Info("ike: reauthenticated", "ike", sa.prop.String(), "esp", ch.prop.String(), "vips_changed", changed)
	d.emit(&Reauthenticated{
		IKEProposal: sa.prop.String(), ESPProposal: ch.prop.String(),
		LocalID: formatIdentity(sa.localID), RemoteID: formatIdentity(peer),
		VirtualIPs: d.vips, DNS: d.dns,
		PreviousVirtualIPs: prev, VirtualIPsChanged: changed,
		SPIi: sa.spiI, SPIr: sa.spiR, OldSPIi: old.spiI, OldSPIr: old.spiR,
		Child: ch.info(),
	})
}
