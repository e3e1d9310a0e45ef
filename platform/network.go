package platform

import (
	"net/netip"

	"github.com/espressovpn/espresso/ipsec/socket"
)

// Network is one operating system's side of the helper: it opens the OS
// state of connections, answers questions about the system's routing and
// opens the sockets that carry IKE and ESP.
type Network interface {
	// Open returns the Tunnel for the connection called name; nothing
	// changes on the system until its Set. name keys the crash record, so
	// two live Tunnels must have different names.
	Open(name string) (Tunnel, error)

	// Recover undoes every edit recorded by Tunnels of an earlier helper
	// process that ended without closing them (a crash or SIGKILL). The
	// helper calls it once at start, before opening any Tunnel.
	Recover() error

	// RouteTo reports the path the system uses now towards dst, for the
	// peer exclusion route and the IKE socket's source address.
	RouteTo(dst netip.Addr) (NextHop, error)

	// ListenUDP opens a UDP socket for IKE and UDP-encapsulated ESP
	// (RFC 7296 §2.11 port 500, RFC 3948 port 4500).
	ListenUDP(cfg UDPConfig) (socket.Transport, error)

	// ListenRawESP opens a socket for IP protocol 50 (RFC 4303), used
	// when raw_esp is on and no NAT was detected. ErrUnsupported where the
	// OS offers no such socket to a userland ESP engine.
	ListenRawESP(cfg RawESPConfig) (socket.Transport, error)
}

// Tunnel is the OS state of one connection.
type Tunnel interface {
	// Set makes the system match cfg: it creates the TUN device(s) if
	// needed, then adds and removes addresses, routes, rules and DNS
	// settings so that exactly what cfg describes is in place. Set is
	// idempotent; a failed Set may leave part of cfg applied, and a later
	// Set or Close still converges. A Set refused by Config.Validate
	// changes nothing.
	Set(cfg *Config) error

	// Links returns the TUN devices that carry this connection's traffic
	// and the virtual IPs each holds. Linux keeps one shared device holding
	// every virtual IP; macOS and FreeBSD keep one device per virtual IP
	// (and one with no address while an on-demand connection has none).
	// The result changes only during Set.
	Links() []Link

	// Close removes everything Set installed, closes the devices (which
	// ends pending Reads) and deletes the crash record.
	Close() error
}

// SharedDeviceTunnel is a Tunnel that carries all of a connection's traffic
// on one device for its whole life (Linux): once Set has created it, the
// device holds every virtual IP until Close. The data path then reads and
// writes that device directly instead of joining Links.
type SharedDeviceTunnel interface {
	Tunnel
	// SharedDevice returns the device, or nil before the first Set and
	// after Close.
	SharedDevice() Device
}

// Link is one TUN device of a Tunnel.
type Link struct {
	// Name is the OS interface name, such as espresso0 or utun5.
	Name string
	// Addrs are the virtual IPs assigned to the device.
	Addrs []netip.Prefix
	// Device reads and writes the device's packets.
	Device Device
}

// DeviceOffset is the headroom, in bytes, that callers of Device.Read and
// Device.Write leave before each packet: the Linux device puts its virtio
// network header there and the BSD devices their 4-byte address family.
const DeviceOffset = 16

// Device reads and writes cleartext IP packets on a TUN device, in batches.
// It has the shape of golang.zx2c4.com/wireguard/tun.Device's data methods,
// which the ESP data path consumes.
type Device interface {
	// Read reads up to len(bufs) packets, each placed at offset (at least
	// DeviceOffset) in its buffer, and stores their lengths in sizes. On
	// Linux one read may return a segmented TCP or UDP super-packet split
	// into several packets, so bufs should have BatchSize elements each
	// holding offset plus the MTU.
	Read(bufs [][]byte, sizes []int, offset int) (n int, err error)

	// Write writes the packets in bufs, each starting at offset (at least
	// DeviceOffset). Write may modify bufs, coalescing packets for the
	// kernel's receive offload. It returns the number of bufs written.
	Write(bufs [][]byte, offset int) (int, error)

	// BatchSize is the largest number of packets one Read returns or one
	// Write takes at once; it does not change.
	BatchSize() int
}
