// Package ike runs IKEv2 (RFC 7296) for one connection as initiator (the
// VPN client): it negotiates an IKE SA and its Child SAs with the gateway,
// keeps them alive, rekeyed and reauthenticated, and hands the Child SAs'
// keys to the ESP data path.
//
// The machinery both ends share lives in internal/core, which the package
// doc there describes part by part; the initiator's exchanges are there
// too (sa_init.go, ike_auth.go, ike_auth_eap.go, reauth.go). The responder,
// for in-process tests and host-to-host tunnels, is package responder,
// which the initiator does not depend on. Conn, Config, the events and the
// errors are the core's, under their names here.
package ike
