// Package e2e holds Espresso's end-to-end tests: the real helper in a
// client network namespace, driven by espressoctl, connecting to a real
// strongSwan gateway with a LAN host behind it (see package lab). They
// need root, strongSwan and iperf3 and skip with a message otherwise.
package e2e
