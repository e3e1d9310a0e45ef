// Package linux implements the platform interfaces on Linux with netlink
// (github.com/vishvananda/netlink) and the wireguard-go TUN device.
//
// A connection gets one shared TUN device holding every virtual IP. Its
// remote traffic selectors are routed into that device in a dedicated
// routing table (default 220) selected by a policy rule, with the virtual IP
// as source, as strongSwan's kernel-libipsec backend does. When a selector
// contains the IKE peer, an exclusion route in the same table sends the peer
// over its original next hop; when a selector equals the peer
// (allow_peer_ts), the rule skips packets carrying the IKE socket's fwmark
// instead, which needs the reverse path filter loosened
// (net.ipv4.conf.all.rp_filter=2) because the peer's replies then arrive on
// an interface that is not the best route back.
//
// DNS goes through systemd-resolved, per link, with resolvectl when
// /etc/resolv.conf is managed by it; otherwise /etc/resolv.conf is
// rewritten and the original, saved in the state directory, restored on
// teardown.
//
// Every edit is written to a record in the state directory before it is
// made, so that Network.Recover removes what a crashed helper left behind.
// On other operating systems New reports platform.ErrUnsupported.
//
// # Kill switch
//
// The kill switch (Network.KillSwitch) is an nf_tables table per
// connection (family inet, named espresso-<connection>) with an output
// chain and a forward chain of the same verdicts (forwarded traffic of
// containers, virtual machines or a shared hotspot never meets the
// output hook), written through netlink with github.com/google/nftables. The
// routing approach the tunnel already uses (unreachable routes behind
// the tunnel's own, Config.KillSwitch) is not enough on its own: it is
// part of the Tunnel, which a reconnection closes; it can only match
// destinations, so it can neither let IKE and ESP reach a gateway inside
// the protected range while refusing everything else to it, nor refuse
// DNS queries to the local resolver, nor tell the helper's own marked
// sockets apart; and "block everything outside the tunnel" as routes
// would also take the links' own neighbour discovery and DHCP. A
// firewall chain matches on the outgoing interface (the helper's TUN
// devices pass), the socket mark, the protocol and the ports, and is
// replaced in one transaction, so there is never a moment without a
// block. Refused packets get an ICMP "administratively prohibited" error,
// so applications fail at once rather than time out.
//
// A block stays until Release. When the helper crashes, the table stays in
// the kernel and its record in the state directory (Network.Recover leaves
// both alone): a user who turned the kill switch on expects nothing to
// leak just because the helper died. The restarted helper finds the block
// through Engaged and reconnects that connection (helper/conn's Resume);
// the user's disconnect, or removing the profile, lifts it. A reboot
// empties the kernel's tables but not the records, so the helper, started
// at boot, engages the block again as it reconnects. A clean stop of the
// helper lifts every block, as the user or the system asked for it.
package linux
