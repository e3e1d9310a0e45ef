// Package dgram holds what the platform's datagram transports share: the
// UDP transport of package platform and the raw ESP transport of
// platform/linux. Both move packets in batches through x/net's
// PacketConns (recvmmsg and sendmmsg on Linux, one datagram per call
// elsewhere) with message arrays allocated once, both ask for socket
// buffers larger than the defaults, and both may carry a socket mark.
//
// What differs between them stays with them: the address type (UDP
// addresses with ports, IP addresses without), the IPv4 header a raw
// socket delivers, the words of their errors.
package dgram
