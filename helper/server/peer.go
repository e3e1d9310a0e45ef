package server

import (
	"errors"
	"fmt"
	"net"
	"os/user"
	"strconv"
)

// Peer is the identity of the process at the other end of a connection,
// as the kernel reports it (it cannot be forged by the client).
type Peer struct {
	UID uint32
	// GIDs are the groups the kernel reports for the peer: the primary
	// group on Linux, the effective and supplementary groups on the BSDs.
	GIDs []uint32
}

// errNoCredentials is returned for connections that are not Unix sockets
// or whose credentials the OS does not report.
var errNoCredentials = errors.New("peer credentials unavailable")

// peerOf returns the credentials of a Unix socket connection's peer.
func peerOf(c net.Conn) (Peer, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return Peer{}, errNoCredentials
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Peer{}, err
	}
	var p Peer
	var perr error
	if err := raw.Control(func(fd uintptr) { p, perr = peerCredentials(int(fd)) }); err != nil {
		return Peer{}, err
	}
	if perr != nil {
		return Peer{}, fmt.Errorf("peer credentials: %w", perr)
	}
	return p, nil
}

// Authorizer decides who may use the helper: root, and members of Group
// (primary or supplementary, as the system's group database says). If the
// group does not exist, only root gets in.
type Authorizer struct {
	// Group is the name of the group whose members may use the helper.
	Group string
}

// Allowed reports whether p may use the helper. The group is looked up
// at every call so that a group created or changed while the helper runs
// takes effect without a restart.
func (a Authorizer) Allowed(p Peer) bool {
	if p.UID == 0 {
		return true
	}
	if a.Group == "" {
		return false
	}
	g, err := user.LookupGroup(a.Group)
	if err != nil {
		return false
	}
	gid, err := strconv.ParseUint(g.Gid, 10, 32)
	if err != nil {
		return false
	}
	for _, id := range p.GIDs {
		if id == uint32(gid) {
			return true
		}
	}
	u, err := user.LookupId(strconv.FormatUint(uint64(p.UID), 10))
	if err != nil {
		return false
	}
	if u.Gid == g.Gid {
		return true
	}
	ids, err := u.GroupIds()
	if err != nil {
		return false
	}
	for _, id := range ids {
		if id == g.Gid {
			return true
		}
	}
	return false
}
