// Package interop holds the root-only tests of Espresso's IKEv2 daemon
// against a real strongSwan gateway: a charon with the kernel-libipsec
// backend in a network namespace of a testnet.Topology, and Espresso's
// initiator and ESP engine in the test process with their sockets opened in
// the client namespace. The package has no code besides its tests.
package interop
