// Package darwin implements the platform interfaces on macOS: one utun
// device per virtual IP (golang.zx2c4.com/wireguard/tun), addresses set
// with SIOCAIFADDR and SIOCAIFADDR_IN6, routes written to a PF_ROUTE
// socket, all through the shared code in platform/bsd with the macOS
// struct layouts; and DNS through the system configuration store, with
// scutil(8).
//
// A utun device disappears with the descriptor that created it, and the
// kernel removes the routes through it, so after a crash only the
// exclusion routes and the DNS entries remain for Network.Recover to
// remove. On other operating systems New reports platform.ErrUnsupported.
package darwin
