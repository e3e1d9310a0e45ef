package core

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
	life := i.Cfg.ReauthTime
	if peerLifetime > 0 && (life <= 0 || peerLifetime < life) {
		life = peerLifetime
	}
	if life <= 0 {
		return
	}
	i.Log.Info("ike: reauthentication scheduled", "in", life-reauthMargin(life))
	i.reauthTimer = i.After(life-reauthMargin(life), i.startReauth)
}

// Reauthenticate starts a reauthentication now, as the lifetime would; a
// responder leaves it to the initiator.
func (d *Machine) Reauthenticate() {
	d.post(func() { d.role.Reauthenticate() })
}

// startReauth begins the new IKE SA with IKE_SA_INIT (§1.2) while the
// current one goes on carrying traffic.
func (i *initiator) startReauth() {
	cur := i.SA
	if cur == nil || !cur.Established || cur.Deleting || i.Reauth != nil {
		return
	}
	spi, err := RandomSPI(i.Rand, 8)
	var ni []byte
	if err == nil {
		ni, err = RandomNonce(i.Rand)
	}
	if err != nil {
		i.Log.Warn("ike: reauthentication failed", "err", err)
		i.emit(&ReauthFailed{Err: err})
		return
	}
	i.Log.Info("ike: reauthenticating")
	sa := &IKESA{SPIi: spi, Initiator: true, Ni: ni}
	i.Reauth = sa
	i.sendInit(sa, keMethods(i.Cfg.IKEProposals)[0])
}

// Fail ends the negotiation of sa with err: a reauthentication is given
// up, leaving the current SA in place; anything else ends the connection.
func (d *Machine) Fail(sa *IKESA, err error) {
	if sa != nil && sa == d.Reauth {
		d.ReauthFailed(err)
		return
	}
	d.Down(err)
}

// ReauthFailed abandons the reauthentication in progress. The current SA
// stays until it expires or the peer deletes it.
func (d *Machine) ReauthFailed(err error) {
	sa := d.Reauth
	d.Reauth = nil
	sa.End()
	d.Log.Warn("ike: reauthentication failed", "err", err)
	d.emit(&ReauthFailed{Err: err})
}

// outboundChild is the Child SA carrying our outbound traffic, nil if none.
func (d *Machine) outboundChild() *Child {
	for _, c := range d.Children.List {
		if c.Outbound && c.Installed {
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
func (i *initiator) reauthenticated(sa *IKESA, peer wire.Identity, ch *Child, prev []netip.Addr, peerLifetime time.Duration) {
	old, oldChildren := i.SA, i.Children.List
	i.Reauth, i.SA, i.Children.List = nil, sa, []*Child{ch}
	sa.LastHeard = i.Clock.Now()
	i.Mobike.peerKnows = i.LocalAddr().Addr()
	for _, c := range oldChildren {
		i.Children.Retire(c, true)
	}
	i.RestartTimers()
	i.Mobike.learnMapping(sa)
	i.scheduleReauth(peerLifetime)
	i.live.deleteOldIKE(old)
	i.EmitReauthenticated(old, sa, peer, ch, prev)
}

// RestartTimers rearms the connection's timers for a new IKE SA.
func (d *Machine) RestartTimers() {
	d.live.stop()
	d.startTimers()
}

// EmitReauthenticated reports a completed reauthentication.
func (d *Machine) EmitReauthenticated(old, sa *IKESA, peer wire.Identity, ch *Child, prev []netip.Addr) {
	changed := !slices.Equal(prev, d.VIPs)
	d.Log.Info("ike: reauthenticated", "ike", sa.Prop.String(), "esp", ch.Prop.String(), "vips_changed", changed)
	d.emit(&Reauthenticated{
		IKEProposal: sa.Prop.String(), ESPProposal: ch.Prop.String(), KeyExchanges: sa.Prop.KeyExchanges(),
		LocalID: formatIdentity(sa.LocalID), RemoteID: formatIdentity(peer),
		VirtualIPs: d.VIPs, DNS: d.DNS, DNSDomains: d.DNSDomains,
		PreviousVirtualIPs: prev, VirtualIPsChanged: changed,
		SPIi: sa.SPIi, SPIr: sa.SPIr, OldSPIi: old.SPIi, OldSPIr: old.SPIr,
		Child: ch.info(),
	})
}
