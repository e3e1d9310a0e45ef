// Command sysbench is Espresso's system benchmark (`make bench`, as root on
// Linux). In network namespaces with a strongSwan gateway
// (kernel-libipsec) and a LAN host behind it, it measures with iperf3 TCP
// both ways and UDP to the LAN host for
//
//	(a) Espresso's helper as the client,
//	(b) a strongSwan client (kernel-libipsec) to the same gateway,
//	(c) no tunnel, the same path in the clear,
//
// and the helper's peak resident memory during a UDP flood, and prints
// one table with the ratios. Every run is bounded in time; the namespaces
// and processes are removed at the end, on failure and on Ctrl-C.
//
//	sysbench [-time 5s] [-flood 30s] [-udp-rate 500000000] [-bin DIR]
//
// With -bin, the espresso-helper and espressoctl already built in DIR (by
// `make build`) are measured.
package main
