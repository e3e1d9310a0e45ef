//go:build !linux && !darwin && !freebsd

package server

// peerCredentials reports no credentials where the helper has no way to
// read them, so every connection is refused.
func peerCredentials(int) (Peer, error) { return Peer{}, errNoCredentials }
