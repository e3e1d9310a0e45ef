package server

import "golang.org/x/sys/unix"

// peerCredentials reads SO_PEERCRED: the uid and gid of the peer when it
// connected (socket(7)).
func peerCredentials(fd int) (Peer, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return Peer{}, err
	}
	return Peer{UID: cred.Uid, GIDs: []uint32{cred.Gid}}, nil
}
