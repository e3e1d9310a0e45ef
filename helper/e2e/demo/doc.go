// Command demo shows Espresso end to end on one Linux machine, as root
// (`make demo`): it builds the helper and espressoctl, starts a strongSwan
// gateway and a LAN host in network namespaces, runs the helper in a client
// namespace, imports a demo profile, connects with espressoctl, shows the
// status, pings and runs a short iperf3 transfer through the tunnel,
// disconnects and removes everything it made, explaining each step in one
// line. Ctrl-C or a failure cleans up as well.
//
//	demo [-bin DIR]
//
// With -bin, the espresso-helper and espressoctl already built in DIR (by
// `make build`) are used.
package main
