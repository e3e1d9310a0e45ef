package datapath

import (
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/spd"
	"github.com/espressovpn/espresso/ipsec/xlat"
)

// The packets an on-demand trap holds left the system before the Child SA
// existed. When the gateway assigns a virtual IP (RFC 7296 §2.19), they
// carry another source address (the physical one on a first connection,
// or a remembered virtual IP the gateway did not give again), which the
// negotiated selectors, narrowed to the virtual IP, do not cover: sent as
// they are they would be dropped, and a TCP connection opened on demand
// would never complete.
//
// Rather than drop them, the engine translates such a held packet's
// source to the virtual IP and keeps its flow: the flow's later packets
// are translated the same way, and the replies get their original
// destination back, for as long as the trap's SAs last (RemoveTrap ends
// them). New connections take the virtual IP as their source from the
// routes, so only the flows that started the negotiation are translated.
// Answering them instead (a TCP reset, an ICMP error) would fail the
// connection the user opened, which is what on demand is meant to avoid.
//
// The engine holds the traps of one connection, so one table serves them;
// its size is AcquireTotal, the most packets, and so flows, traps hold.

// localFlow is f as this host's side sees it when it sends f.
func localFlow(f spd.Flow) xlat.Flow {
	return xlat.Flow{Proto: f.Proto, Local: netip.AddrPortFrom(f.Src, f.SrcPort), Remote: netip.AddrPortFrom(f.Dst, f.DstPort)}
}

// replyFlow is f as this host's side sees it when it receives f.
func replyFlow(f spd.Flow) xlat.Flow {
	return xlat.Flow{Proto: f.Proto, Local: netip.AddrPortFrom(f.Dst, f.DstPort), Remote: netip.AddrPortFrom(f.Src, f.SrcPort)}
}

// adopt translates a packet g held, if g's selectors do not cover it as
// it is but do with the one local address they name in its family, and
// records its flow. A packet it cannot translate (a fragment, a protocol
// whose checksum it does not know) is counted and left for route to drop.
// The caller holds e.mu (g.sels) and outMu.
func (e *Engine) adopt(g *group, x *elem) {
	pkt := x.buf[x.start:x.end]
	f, ok := spd.ParseFlow(pkt)
	if !ok {
		return
	}
	if _, known := e.xl.Out(localFlow(f)); known {
		return // route translates it
	}
	to, ok := soleLocal(g.sels, f)
	if !ok {
		return
	}
	if xlat.SetSource(pkt, to) != nil {
		e.stats.untranslated.Add(1)
		return
	}
	if !e.xl.Add(localFlow(f), to) {
		// Full, or another flow looks the same on the wire: the packet
		// goes back to what it was, for route to drop.
		xlat.SetSource(pkt, f.Src)
		e.stats.untranslated.Add(1)
		return
	}
	e.stats.translated.Add(1)
}

// soleLocal returns the address f's source must become for sels to cover
// it: the one host address that the local side of sels names in f's
// family, when sels do not cover f as it is.
func soleLocal(sels []spd.Selector, f spd.Flow) (netip.Addr, bool) {
	var a netip.Addr
	for _, s := range sels {
		if s.Outbound(f) {
			return netip.Addr{}, false
		}
		if s.Local.Addr().Is4() != f.Src.Is4() {
			continue
		}
		if !s.Local.IsSingleIP() || (a.IsValid() && a != s.Local.Addr()) {
			return netip.Addr{}, false
		}
		a = s.Local.Addr()
	}
	if !a.IsValid() {
		return a, false
	}
	g := f
	g.Src = a
	for _, s := range sels {
		if s.Outbound(g) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// translateOut gives a later packet of a translated flow the address its
// flow has; f becomes the packet's new flow. The caller checked that the
// table holds flows.
func (e *Engine) translateOut(pkt []byte, f *spd.Flow) {
	to, ok := e.xl.Out(localFlow(*f))
	if !ok {
		return
	}
	if xlat.SetSource(pkt, to) != nil {
		e.stats.untranslated.Add(1)
		return
	}
	f.Src = to
	e.stats.translated.Add(1)
}

// translateIn gives a reply of a translated flow its original
// destination. The caller checked that the table holds flows.
func (e *Engine) translateIn(pkt []byte, f spd.Flow) {
	orig, ok := e.xl.In(replyFlow(f))
	if !ok {
		return
	}
	if xlat.SetDestination(pkt, orig) != nil {
		e.stats.untranslated.Add(1)
		return
	}
	e.stats.translated.Add(1)
}
