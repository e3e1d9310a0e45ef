// Package xlat translates the address of this host's side of a flow
// (RFC 3022 style, one address for another) and keeps the flows it
// translated, so that their replies are translated back.
//
// An on-demand tunnel uses it for the packets that started the
// negotiation: they left the system before it knew the virtual IP the
// gateway would assign (RFC 7296 §2.19), with another source address that
// the negotiated traffic selectors do not cover. Their source becomes the
// virtual IP before they are sealed, and the replies to those flows get
// their original destination back, for as long as the flows last, so a
// TCP connection opened before the tunnel existed keeps working.
//
// Checksums are updated incrementally (RFC 1624 eqn. 3): the IPv4 header
// checksum, and the TCP, UDP and ICMPv6 checksums, whose pseudo-header
// holds the addresses (RFC 9293 §3.1, RFC 768, RFC 8200 §8.1). ICMPv4's
// checksum covers no address and stays. Fragments are not translated: the
// transport header, and so the checksum, is in the first one only.
package xlat
