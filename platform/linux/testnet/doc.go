// Package testnet builds the test networks of Espresso's root-only tests: network
// namespaces joined by veth pairs (a client, a strongSwan gateway, a LAN host behind
// it and optionally a NAT between client and gateway), and a real strongSwan charon
// with the kernel-libipsec backend running in the gateway namespace.
//
// Only documentation and benchmark address ranges are used (192.0.2.0/24,
// 198.51.100.0/24, 203.0.113.0/24, 198.18.0.0/15, 2001:db8::/32), and everything
// a test creates — namespaces and processes — is removed by the test's cleanup,
// also when the test fails.
package testnet
