// Package lab puts Espresso into the test networks of
// platform/linux/testnet: it builds the helper and espressoctl, starts a
// strongSwan gateway that accepts both a pre-shared key and a certificate
// client, runs the helper in the client's namespace, drives it with
// espressoctl as a user would, and measures with iperf3. The root-only
// end-to-end tests, the demo and the system benchmark share it.
//
// Everything is Linux-only; on other systems the package is empty.
package lab
