package conn

import (
	"net/netip"

	"github.com/espressovpn/espresso/helper/api"
)

// statusLocked builds the API status of c, with the session's live
// counters while connected. Lists are never nil, so every field of the
// JSON status is present.
func (m *Manager) statusLocked(c *profileConn) api.ConnectionStatus {
	st := api.ConnectionStatus{
		Name:       c.name,
		State:      c.state,
		Gateway:    c.gateway,
		LastError:  c.lastErr,
		ErrorCode:  c.code,
		VirtualIPs: []string{},
		DNS:        []string{},
		DNSDomains: []string{},
		LocalTS:    []string{},
		RemoteTS:   []string{},
		Blocked:    []string{},
		AlwaysOn:   c.alwaysOn,
	}
	if c.done == nil {
		st.Standby = c.standby
	}
	if c.state == api.StateReconnecting && c.retry.attempt > 0 {
		st.Reconnect = &api.Reconnect{Attempt: c.retry.attempt, Reason: c.lastErr, ErrorCode: c.code}
		if !c.retry.next.IsZero() {
			t := c.retry.next.UTC()
			st.Reconnect.NextAt = &t
		}
	}
	if c.session == nil || c.state != api.StateConnected {
		return st
	}
	info := c.session.Info()
	st.VirtualIPs = addrs(info.VirtualIPs)
	st.DNS = addrs(info.DNS)
	st.DNSDomains = append(st.DNSDomains, info.DNSDomains...)
	st.LocalTS = prefixes(info.LocalTS)
	st.RemoteTS = prefixes(info.RemoteTS)
	st.Blocked = prefixes(info.Blocked)
	st.IKEProposal = info.IKEProposal
	st.KeyExchanges = info.KeyExchanges
	st.ESPProposal = info.ESPProposal
	st.NATDetected = info.NATDetected
	st.Encapsulation = info.Encapsulation
	if info.Problem != nil {
		st.LastError, st.ErrorCode = describe(info.Problem), code(info.Problem)
	}
	if !info.EstablishedAt.IsZero() {
		t := info.EstablishedAt.UTC()
		st.EstablishedAt = &t
	}
	cnt := c.session.Counters()
	st.BytesIn, st.BytesOut = cnt.BytesIn, cnt.BytesOut
	st.PacketsIn, st.PacketsOut = cnt.PacketsIn, cnt.PacketsOut
	st.Drops = cnt.Drops
	return st
}

func addrs(in []netip.Addr) []string {
	out := make([]string, 0, len(in))
	for _, a := range in {
		out = append(out, a.String())
	}
	return out
}

func prefixes(in []netip.Prefix) []string {
	out := make([]string, 0, len(in))
	for _, p := range in {
		out = append(out, p.String())
	}
	return out
}
