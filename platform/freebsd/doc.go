// Package freebsd implements the platform interfaces on FreeBSD: one tun
// device per virtual IP (golang.zx2c4.com/wireguard/tun, the kernel
// picking the next free tunN), addresses set with SIOCAIFADDR and
// SIOCAIFADDR_IN6, routes written to a PF_ROUTE socket, all through the
// shared code in platform/bsd with FreeBSD's struct layouts; and DNS
// through resolvconf(8), keyed by the first device's name.
//
// A FreeBSD tun interface outlives the process that opened it, so after a
// crash Network.Recover destroys the devices the record lists (those that
// still hold their virtual IP or no address at all), besides the routes
// and the resolvconf entry. On other operating systems New reports
// platform.ErrUnsupported.
package freebsd
