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
package linux
