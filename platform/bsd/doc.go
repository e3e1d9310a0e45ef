// Package bsd holds what macOS and FreeBSD share: one TUN device per virtual
// IP, addresses set with the SIOCAIFADDR and SIOCAIFADDR_IN6 ioctls, routes
// written as PF_ROUTE messages (route(4)), and a crash record in the
// helper's state directory. platform/darwin and platform/freebsd configure
// it with their struct layouts, TUN naming and DNS mechanism.
//
// Everything that decides what the kernel is told (routing messages, ioctl
// request structs, the routes a Config wants, the device bookkeeping) is
// plain Go that builds and is tested on every OS; only the few calls that
// reach the kernel sit behind the kernel interface, implemented for darwin
// and freebsd in kernel_bsd.go. The routing messages are encoded here
// rather than with golang.org/x/net/route, which builds only on the BSDs,
// so that their exact bytes are checked on Linux; a BSD-only test checks
// that x/net/route parses them back to the same fields.
//
// Routes carry no source address on these systems: a route through a
// point-to-point TUN device makes the kernel choose that device's address,
// which is why each virtual IP gets its own device. A remote selector of
// length zero is installed as two halves (0.0.0.0/1 and 128.0.0.0/1, ::/1
// and 8000::/1) so that it wins over the default route without replacing
// it, as strongSwan's kernel-pfroute does.
package bsd
