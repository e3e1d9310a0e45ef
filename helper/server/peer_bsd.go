//go:build darwin || freebsd

package server

import "golang.org/x/sys/unix"

// peerCredentials reads LOCAL_PEERCRED: the peer's effective uid and its
// groups, effective group first (unix(4)).
func peerCredentials(fd int) (Peer, error) {
	x, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return Peer{}, err
	}
	n := min(max(int(x.Ngroups), 0), len(x.Groups))
	return Peer{UID: x.Uid, GIDs: append([]uint32(nil), x.Groups[:n]...)}, nil
}
