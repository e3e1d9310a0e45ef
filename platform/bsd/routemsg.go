package bsd

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"syscall"
)

// routeMsg is a routing message with an rt_msghdr header (route(4)):
// RTM_ADD, RTM_DELETE, RTM_GET and the kernel's replies. Field offsets in
// the header are the same on macOS and FreeBSD up to rtm_errno; the rest
// (rtm_use or rtm_fmask, rtm_inits, rtm_rmx) stays zero in what we send.
type routeMsg struct {
	typ   uint8
	flags uint32
	index uint16
	pid   int32
	seq   int32
	errno int32
	addrs [rtaMax]sockaddr
}

// rt_msghdr offsets shared by macOS and FreeBSD.
const (
	offMsglen  = 0
	offVersion = 2
	offType    = 3
	offIndex   = 4
	offFlags   = 8
	offAddrs   = 12
	offPid     = 16
	offSeq     = 20
	offErrno   = 24
)

// marshal encodes m: the header, then each present sockaddr in RTAX order,
// each rounded up to the layout's alignment.
func (l Layout) marshalRouteMsg(m *routeMsg) []byte {
	b := make([]byte, l.RtMsghdrLen, l.RtMsghdrLen+4*64)
	var addrs uint32
	for i, sa := range m.addrs {
		if sa.family == 0 {
			continue
		}
		addrs |= 1 << i
		b = l.appendSockaddr(b, sa)
	}
	ne := binary.NativeEndian
	ne.PutUint16(b[offMsglen:], uint16(len(b)))
	b[offVersion] = rtmVersion
	b[offType] = m.typ
	ne.PutUint16(b[offIndex:], m.index)
	ne.PutUint32(b[offFlags:], m.flags)
	ne.PutUint32(b[offAddrs:], addrs)
	ne.PutUint32(b[offPid:], uint32(m.pid))
	ne.PutUint32(b[offSeq:], uint32(m.seq))
	ne.PutUint32(b[offErrno:], uint32(m.errno))
	return b
}

// errNotRouteMsg reports bytes that are not a routing message this
// package understands.
var errNotRouteMsg = errors.New("routing message: bad header")

// msgHeader returns the length, version and type every routing message
// starts with.
func msgHeader(b []byte) (length int, typ uint8, err error) {
	if len(b) < 4 {
		return 0, 0, errNotRouteMsg
	}
	length = int(binary.NativeEndian.Uint16(b[offMsglen:]))
	if length < 4 || length > len(b) || b[offVersion] != rtmVersion {
		return 0, 0, errNotRouteMsg
	}
	return length, b[offType], nil
}

// parseRouteMsg decodes a message with an rt_msghdr header.
func (l Layout) parseRouteMsg(b []byte) (*routeMsg, error) {
	n, typ, err := msgHeader(b)
	if err != nil {
		return nil, err
	}
	if n < l.RtMsghdrLen {
		return nil, errNotRouteMsg
	}
	ne := binary.NativeEndian
	m := &routeMsg{
		typ:   typ,
		index: ne.Uint16(b[offIndex:]),
		flags: ne.Uint32(b[offFlags:]),
		pid:   int32(ne.Uint32(b[offPid:])),
		seq:   int32(ne.Uint32(b[offSeq:])),
		errno: int32(ne.Uint32(b[offErrno:])),
	}
	m.addrs, err = l.parseSockaddrs(ne.Uint32(b[offAddrs:]), b[l.RtMsghdrLen:n])
	return m, err
}

// ifa_msghdr offsets (RTM_NEWADDR), the same on macOS and FreeBSD.
const (
	offIfaAddrs = 4
	offIfaIndex = 12
)

// parseAddrMsg decodes an RTM_NEWADDR message: the interface index and
// the address it now holds (RTA_IFA).
func (l Layout) parseAddrMsg(b []byte) (index uint16, addr netip.Addr, err error) {
	n, typ, err := msgHeader(b)
	if err != nil {
		return 0, netip.Addr{}, err
	}
	if typ != rtmNewAddr || n < l.IfaMsghdrLen {
		return 0, netip.Addr{}, errNotRouteMsg
	}
	ne := binary.NativeEndian
	sas, err := l.parseSockaddrs(ne.Uint32(b[offIfaAddrs:]), b[l.IfaMsghdrLen:n])
	if err != nil {
		return 0, netip.Addr{}, err
	}
	return ne.Uint16(b[offIfaIndex:]), sas[5].ip, nil
}

// routeMessage builds the RTM_ADD or RTM_DELETE message for r. A route
// without gateway goes through r's interface, named by a sockaddr_dl as
// "route add -interface" does; a host route carries RTF_HOST and no
// netmask. A reject route carries RTF_REJECT and its loopback gateway.
func (l Layout) routeMessage(typ uint8, r routeSpec, pid, seq int32) []byte {
	m := routeMsg{typ: typ, flags: rtfUp | rtfStatic, pid: pid, seq: seq}
	if r.Reject {
		m.flags |= rtfReject
	}
	m.addrs[0] = l.inetSockaddr(r.Dst.Addr(), 0)
	if r.Gateway.IsValid() {
		m.flags |= rtfGateway
		m.addrs[1] = l.inetSockaddr(r.Gateway, uint32(r.Index))
	} else {
		m.addrs[1] = linkSockaddr(r.Index, r.Dev)
	}
	if r.Dst.IsSingleIP() {
		m.flags |= rtfHost
	} else {
		m.addrs[2] = l.maskSockaddr(r.Dst)
	}
	return l.marshalRouteMsg(&m)
}

// deleteDstMessage builds an RTM_DELETE naming only the destination, for a
// route whose gateway is the kernel's, not ours.
func (l Layout) deleteDstMessage(dst netip.Prefix, pid, seq int32) []byte {
	m := routeMsg{typ: rtmDelete, flags: rtfUp, pid: pid, seq: seq}
	m.addrs[0] = l.inetSockaddr(dst.Addr(), 0)
	if dst.IsSingleIP() {
		m.flags |= rtfHost
	} else {
		m.addrs[2] = l.maskSockaddr(dst)
	}
	return l.marshalRouteMsg(&m)
}

// getMessage builds the RTM_GET query for dst. The empty RTA_IFP asks the
// kernel to name the outgoing interface and source address in its reply.
func (l Layout) getMessage(dst netip.Addr, pid, seq int32) []byte {
	m := routeMsg{typ: rtmGet, flags: rtfUp | rtfHost, pid: pid, seq: seq}
	m.addrs[0] = l.inetSockaddr(dst, 0)
	m.addrs[4] = linkSockaddr(0, "")
	return l.marshalRouteMsg(&m)
}

// hop is a path out of the machine: through a gateway, or directly on the
// link of an interface.
type hop struct {
	Dev     string
	Index   int
	Gateway netip.Addr
	Source  netip.Addr
}

// parseGetReply turns the kernel's answer to an RTM_GET into a hop. An
// IPv6 link-local gateway comes back with its scope, which becomes the
// address's zone (the interface name when it is the outgoing interface).
func (l Layout) parseGetReply(m *routeMsg) (hop, error) {
	if m.errno != 0 {
		return hop{}, fmt.Errorf("route get: %w", syscall.Errno(m.errno))
	}
	var h hop
	ifp := m.addrs[4]
	if ifp.family == afLink {
		h.Dev, h.Index = ifp.name, int(ifp.index)
	}
	gw := m.addrs[1]
	switch {
	case m.flags&rtfGateway != 0 && gw.family != afLink && gw.ip.IsValid():
		h.Gateway = gw.ip
		if gw.scope != 0 {
			zone := fmt.Sprint(gw.scope)
			if int(gw.scope) == h.Index && h.Dev != "" {
				zone = h.Dev
			}
			h.Gateway = h.Gateway.WithZone(zone)
		}
	case gw.family == afLink && h.Dev == "":
		h.Dev, h.Index = gw.name, int(gw.index)
	}
	if ifa := m.addrs[5]; ifa.ip.IsValid() {
		h.Source = ifa.ip
	}
	if h.Dev == "" {
		return hop{}, errors.New("route get: reply names no interface")
	}
	return h, nil
}
