package session

import (
	"errors"
	"net"
	"net/netip"
	"slices"

	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/platform"
)

// KillSwitch is a platform.KillSwitch as the manager drives it, by
// profile: Engage derives the block from the profile, and its failures
// are *platform.KillSwitchError, which Code classifies. When to engage,
// update and release the block is the manager's business.
type KillSwitch struct {
	ks platform.KillSwitch
}

// NewKillSwitch returns the KillSwitch over ks; nil when ks is nil (the
// system has none).
func NewKillSwitch(ks platform.KillSwitch) *KillSwitch {
	if ks == nil {
		return nil
	}
	return &KillSwitch{ks: ks}
}

// ErrNoKillSwitch refuses a kill_switch profile on a system without a
// kill switch.
var ErrNoKillSwitch error = &platform.KillSwitchError{
	Err: errors.New("this system has no kill switch; turn kill_switch off in the profile to connect without one"),
}

// Engage puts the block of the connection called name in place for p, or
// updates it. peers are the gateway addresses known from earlier
// sessions; up reports an established tunnel. It returns a
// *platform.KillSwitchError when the block could not be engaged.
func (k *KillSwitch) Engage(name string, p *profile.Profile, peers []netip.Addr, up bool) error {
	if err := k.ks.Engage(name, blockConfig(p, peers, up)); err != nil {
		return &platform.KillSwitchError{Err: err}
	}
	return nil
}

// Release lifts the connection's block; one without a block is no error.
func (k *KillSwitch) Release(name string) error { return k.ks.Release(name) }

// Engaged returns the names of the connections whose block is recorded,
// also those an earlier helper process left, sorted.
func (k *KillSwitch) Engaged() ([]string, error) { return k.ks.Engaged() }

// blockConfig derives the kill switch's block for p. peers are the
// gateway addresses known from earlier sessions; up reports an
// established tunnel.
func blockConfig(p *profile.Profile, peers []netip.Addr, up bool) *platform.BlockConfig {
	b := &platform.BlockConfig{
		Up:           up,
		BlockOutside: p.BlockOutside,
		// The profile's sockets carry its own mark (allow_peer_ts).
		Mark:      p.FWMark,
		Protected: p.Selectors(),
		Exclude:   slices.Clone(p.Exclude),
	}
	if a := p.Gateway.Addr; a.IsValid() {
		// A host name is resolved by the session, which reports the
		// address in Info.Peer, or by the manager's look-up for the
		// kill switch.
		b.Gateways = append(b.Gateways, a)
	}
	for _, a := range peers {
		if !slices.Contains(b.Gateways, a) {
			b.Gateways = append(b.Gateways, a)
		}
	}
	return b
}

// KillSwitchResolver returns the resolver whose queries pass every kill
// switch (their sockets carry platform.KillSwitchMark), for looking up a
// gateway's name while its connection's traffic is blocked.
func KillSwitchResolver() *net.Resolver {
	return platform.MarkedResolver(platform.KillSwitchMark)
}
