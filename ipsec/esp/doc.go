// Package esp builds and opens ESP packets in tunnel mode (RFC 4303) for one
// SA at a time: header, IV, padding, trailer and ICV, with 32-bit or extended
// sequence numbers. It knows nothing of queues, policies or sockets; the data
// path (package datapath) calls it with buffers it owns.
//
// Seal and Open work in place inside the caller's buffer, and a caller keeps
// one Scratch per goroutine, so that neither allocates.
package esp
