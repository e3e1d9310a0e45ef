package bsd

import (
	"bytes"
	"encoding/binary"
	"net/netip"
)

// The golden messages below are built from Go mirrors of the C structs in
// the macOS and FreeBSD headers, written out field by field with
// encoding/binary, so they share no offsets or sizes with the encoder
// under test.

// darwinRtMsghdr mirrors struct rt_msghdr of macOS net/route.h.
type darwinRtMsghdr struct {
	Msglen  uint16
	Version uint8
	Type    uint8
	Index   uint16
	Pad     uint16 // alignment of rtm_flags
	Flags   int32
	Addrs   int32
	Pid     int32
	Seq     int32
	Errno   int32
	Use     int32
	Inits   uint32
	Rmx     [14]uint32 // struct rt_metrics: 11 fields and rmx_filler[3]
}

// freebsdRtMsghdr mirrors struct rt_msghdr of FreeBSD net/route.h on a
// 64-bit machine, where u_long is 8 bytes.
type freebsdRtMsghdr struct {
	Msglen  uint16
	Version uint8
	Type    uint8
	Index   uint16
	Spare1  uint16
	Flags   int32
	Addrs   int32
	Pid     int32
	Seq     int32
	Errno   int32
	Fmask   int32
	Inits   uint64
	Rmx     [14]uint64 // struct rt_metrics: 12 u_long fields and rmx_filler[2]
}

// ifaMsghdr mirrors struct ifa_msghdr, laid out alike on both systems
// (FreeBSD's spare field sits where macOS pads).
type ifaMsghdr struct {
	Msglen  uint16
	Version uint8
	Type    uint8
	Addrs   int32
	Flags   int32
	Index   uint16
	Spare   uint16
	Metric  int32
}

// sockaddrIn mirrors struct sockaddr_in.
type sockaddrIn struct {
	Len    uint8
	Family uint8
	Port   uint16
	Addr   [4]byte
	Zero   [8]byte
}

// sockaddrIn6 mirrors struct sockaddr_in6.
type sockaddrIn6 struct {
	Len      uint8
	Family   uint8
	Port     uint16
	Flowinfo uint32
	Addr     [16]byte
	ScopeID  uint32
}

// darwinSockaddrDl and freebsdSockaddrDl mirror struct sockaddr_dl.
type darwinSockaddrDl struct {
	Len, Family            uint8
	Index                  uint16
	Type, Nlen, Alen, Slen uint8
	Data                   [12]byte
}

type freebsdSockaddrDl struct {
	Len, Family            uint8
	Index                  uint16
	Type, Nlen, Alen, Slen uint8
	Data                   [46]byte
}

// darwinIfAliasreq and freebsdIfAliasreq mirror struct ifaliasreq.
type darwinIfAliasreq struct {
	Name                  [16]byte
	Addr, Broadaddr, Mask sockaddrIn
}

type freebsdIfAliasreq struct {
	Name                  [16]byte
	Addr, Broadaddr, Mask sockaddrIn
	Vhid                  int32
}

// in6Addrlifetime mirrors struct in6_addrlifetime with a 64-bit time_t.
type in6Addrlifetime struct {
	Expire, Preferred int64
	Vltime, Pltime    uint32
}

// darwinIn6Aliasreq and freebsdIn6Aliasreq mirror struct in6_aliasreq.
type darwinIn6Aliasreq struct {
	Name                      [16]byte
	Addr, Dstaddr, Prefixmask sockaddrIn6
	Flags                     int32
	Lifetime                  in6Addrlifetime
}

type freebsdIn6Aliasreq struct {
	Name                      [16]byte
	Addr, Dstaddr, Prefixmask sockaddrIn6
	Flags                     int32
	Lifetime                  in6Addrlifetime
	Vhid                      int32
	Pad                       int32 // sizeof rounds up to the lifetime's 8-byte alignment
}

func structBytes(v any) []byte {
	var b bytes.Buffer
	if err := binary.Write(&b, binary.LittleEndian, v); err != nil {
		panic(err)
	}
	return b.Bytes()
}

// goldenOS says which system's structs the golden builders use.
type goldenOS struct {
	name    string
	af6     uint8
	align   int
	darwin  bool
	ifname  string
	ifindex uint16
}

var (
	goldenDarwin  = goldenOS{name: "darwin", af6: 30, align: 4, darwin: true, ifname: "utun5", ifindex: 17}
	goldenFreeBSD = goldenOS{name: "freebsd", af6: 28, align: 8, ifname: "tun2", ifindex: 9}
)

func (g goldenOS) pad(b []byte) []byte {
	for len(b)%g.align != 0 || len(b) == 0 {
		b = append(b, 0)
	}
	return b
}

func sin(a string) sockaddrIn {
	return sockaddrIn{Len: 16, Family: 2, Addr: netip.MustParseAddr(a).As4()}
}

func (g goldenOS) sin6(a string, scope uint32) sockaddrIn6 {
	return sockaddrIn6{Len: 28, Family: g.af6, Addr: netip.MustParseAddr(a).As16(), ScopeID: scope}
}

func (g goldenOS) inSA(a string) []byte { return g.pad(structBytes(sin(a))) }

func (g goldenOS) in6SA(a string) []byte { return g.pad(structBytes(g.sin6(a, 0))) }

// dlSA is the sockaddr_dl of an interface; an empty name with index 0 is
// the blank RTA_IFP of a query.
func (g goldenOS) dlSA(index uint16, name string) []byte {
	if g.darwin {
		s := darwinSockaddrDl{Len: 20, Family: 18, Index: index, Nlen: uint8(len(name))}
		copy(s.Data[:], name)
		return g.pad(structBytes(s))
	}
	s := freebsdSockaddrDl{Len: 54, Family: 18, Index: index, Nlen: uint8(len(name))}
	copy(s.Data[:], name)
	return g.pad(structBytes(s))
}

// rtmsg is a golden routing message: the header with the given fields and
// the already padded sockaddrs.
func (g goldenOS) rtmsg(typ uint8, flags, addrs int32, pid, seq int32, sas ...[]byte) []byte {
	body := bytes.Join(sas, nil)
	var hdr []byte
	if g.darwin {
		h := darwinRtMsghdr{Version: 5, Type: typ, Flags: flags, Addrs: addrs, Pid: pid, Seq: seq}
		h.Msglen = uint16(92 + len(body))
		hdr = structBytes(h)
	} else {
		h := freebsdRtMsghdr{Version: 5, Type: typ, Flags: flags, Addrs: addrs, Pid: pid, Seq: seq}
		h.Msglen = uint16(152 + len(body))
		hdr = structBytes(h)
	}
	return append(hdr, body...)
}

// newaddr is the golden RTM_NEWADDR the kernel sends for addr on the
// interface with the given index: netmask, interface address and, as the
// kernels add, the destination or broadcast address.
func (g goldenOS) newaddr(index uint16, addr, mask string) []byte {
	var sas [][]byte
	if netip.MustParseAddr(addr).Is4() {
		sas = [][]byte{g.inSA(mask), g.inSA(addr), g.inSA(addr)}
	} else {
		sas = [][]byte{g.in6SA(mask), g.in6SA(addr), g.in6SA("::")}
	}
	body := bytes.Join(sas, nil)
	h := ifaMsghdr{Msglen: uint16(20 + len(body)), Version: 5, Type: 0xc, Addrs: 0x4 | 0x20 | 0x80, Index: index}
	return append(structBytes(h), body...)
}
