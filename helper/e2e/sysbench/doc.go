// Command sysbench is Espresso's system benchmark (`make bench`, as root on
// Linux). In network namespaces (a client, a gateway and a LAN host behind
// it, one such topology per tunnel, all up for the whole run) it measures
// with iperf3 from the client to the LAN host, TCP up, TCP down and UDP at
// a fixed offered rate, through
//
//   - Espresso ⇄ Espresso: the helper against Espresso's own responder
//     (this program run again with -serve-responder in the gateway
//     namespace), ESP in UDP and raw ESP;
//   - wireguard-go ⇄ wireguard-go, configured with wg (wireguard-tools);
//   - Espresso → strongSwan's kernel-libipsec gateway;
//   - strongSwan's kernel-libipsec client → the same gateway;
//   - no tunnel, the same path in the clear.
//
// For each tunnel process, client and gateway, it takes the CPU time
// (utime+stime of /proc/<pid>/stat) before and after each tunnel's runs,
// divided by the bytes received, and the peak resident set during the UDP
// run (VmHWM, reset through clear_refs before it). The rounds interleave
// the tunnels, each round starting one further on, so that noise on a
// busy machine hits all alike; the table shows the medians (the highest
// peak for memory) and the targets as figures marked met or not
// met, not as pass or fail.
//
//	sysbench [-time 4s] [-rounds 3] [-udp-rate 500000000] [-bin DIR]
//	         [-wireguard-go PROGRAM] [-profile FILE]
//	         [-profile-esp udp|raw|strongswan]
//
// With -bin, the espresso-helper and espressoctl already built in DIR (by
// `make build`) are measured. With -profile, a helper run with
// --cpuprofile carries TCP up and down through one more Espresso ⇄
// Espresso tunnel (ESP in UDP; raw ESP with -profile-esp raw; ESP in UDP
// to strongSwan's gateway with -profile-esp strongswan), and its CPU
// profile is written to FILE and summarised with `go tool pprof -top`. Every run is bounded in time; the namespaces
// and processes are removed by PID at the end, on failure and on Ctrl-C.
package main
