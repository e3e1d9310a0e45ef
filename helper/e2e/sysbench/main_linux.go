package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// Proposals both clients use, so that (a) and (b) compare the same
// cryptography.
const (
	ikeProposal = "aes256gcm16-prfsha384-x25519"
	espProposal = "aes256gcm16"
)

type options struct {
	each, flood time.Duration
	udpRate     int64
	bin         string
}

func main() {
	var o options
	flag.DurationVar(&o.each, "time", 5*time.Second, "duration of each iperf3 run")
	flag.DurationVar(&o.flood, "flood", 30*time.Second, "duration of the UDP flood for the memory measurement")
	flag.Int64Var(&o.udpRate, "udp-rate", 500_000_000, "UDP rate in bits per second")
	flag.StringVar(&o.bin, "bin", "", "`directory` holding espresso-helper and espressoctl (default: build them)")
	flag.Parse()
	s := testnet.NewScript(os.Stdout)
	err := s.Run(func(t testnet.T) { run(t, s, o, s.Output()) })
	switch {
	case errors.Is(err, testnet.ErrSkipped):
		os.Exit(2)
	case err != nil:
		os.Exit(1)
	}
}

// column is one client's measurements.
type column struct {
	name   string
	rows   []lab.Transfer
	err    error
	rssKiB [2]int // before and at the end of the flood (a only)
}

func run(t testnet.T, s *testnet.Script, o options, out io.Writer) {
	testnet.RequireRoot(t, "iperf3", "swanctl", "nft", "ss")
	dir, err := os.MkdirTemp("", "espresso-sysbench-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	bins := lab.Binaries{Helper: filepath.Join(o.bin, "espresso-helper"), Ctl: filepath.Join(o.bin, "espressoctl")}
	if o.bin == "" {
		fmt.Fprintln(out, "building espresso-helper and espressoctl")
		bins = lab.Build(t, dir)
	}

	cols := []*column{{name: "(a) Espresso"}, {name: "(b) strongSwan"}, {name: "(c) no tunnel"}}
	steps := []func(*column){
		func(c *column) { espresso(t, bins, o, c, out) },
		func(c *column) { strongswan(t, o, c) },
		func(c *column) { plain(t, o, c) },
	}
	for i, step := range steps {
		fmt.Fprintf(out, "measuring %s\n", cols[i].name)
		if err := s.Try(func() { step(cols[i]) }); err != nil && cols[i].err == nil {
			cols[i].err = err
		}
	}
	printTable(out, o, cols)
}

// measure runs the three iperf3 transfers from the client namespace.
func measure(t testnet.T, ns *testnet.Namespace, o options, c *column) {
	for _, m := range []struct {
		reverse bool
		udp     int64
	}{{false, 0}, {true, 0}, {false, o.udpRate}} {
		tr, err := lab.IPerf(ns, testnet.LANHostV4, netip.Addr{}, o.each, m.reverse, m.udp)
		if err != nil {
			c.err = err
			t.Fatal(err)
		}
		c.rows = append(c.rows, tr)
	}
}

// plain measures the path with no tunnel: the gateway forwards in the
// clear.
func plain(t testnet.T, o options, c *column) {
	top := testnet.NewTopology(t, testnet.Options{})
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
	measure(t, top.Client, o, c)
}

// strongswan measures a strongSwan client with kernel-libipsec, which
// routes the LAN into its TUN device.
func strongswan(t testnet.T, o options, c *column) {
	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top) // only the tunnel reaches the LAN
	lab.StartGateway(t, top)
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
	cli := testnet.StartCharon(t, top.Client, testnet.CharonConfig{
		Conns: []testnet.Conn{{
			Name: "home", LocalAuth: "psk", RemoteAuth: "psk",
			LocalID: lab.PSKClientID, RemoteID: lab.GatewayID,
			RemoteAddrs: testnet.GatewayV4.String(), VIPs: []string{"0.0.0.0"},
			RemoteTS:     []string{testnet.LANV4.String()},
			IKEProposals: []string{ikeProposal}, ESPProposals: []string{espProposal},
		}},
		Secrets: []testnet.Secret{{Kind: "ike", IDs: []string{lab.GatewayID, lab.PSKClientID}, Secret: lab.PSK}},
	})
	if out, err := cli.Swanctl("--initiate", "--child", "home", "--timeout", "20"); err != nil {
		c.err = err
		t.Fatalf("strongSwan client: %v\n%s", err, out)
	}
	measure(t, top.Client, o, c)
}

// espresso measures the helper as the client, then floods the tunnel
// with UDP and reads the helper's peak resident memory.
func espresso(t testnet.T, bins lab.Binaries, o options, c *column, out io.Writer) {
	top := testnet.NewTopology(t, testnet.Options{})
	lab.IsolateLAN(t, top) // only the tunnel reaches the LAN
	lab.StartGateway(t, top)
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
	h := lab.StartHelper(t, top.Client, bins)
	p := lab.PSKProfile("bench")
	p.IKEProposals, p.ESPProposals = []string{ikeProposal}, []string{espProposal}
	h.Import(p)
	if _, err := h.Ctl("up", "bench"); err != nil {
		c.err = err
		t.Fatal(err)
	}
	measure(t, top.Client, o, c)
	var err error
	if c.rssKiB[0], err = h.PeakRSS(); err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(out, "flooding the tunnel with UDP at %d Mbit/s for %s\n", o.udpRate/1_000_000, o.flood)
	if _, err := lab.IPerf(top.Client, testnet.LANHostV4, netip.Addr{}, o.flood, false, o.udpRate); err != nil {
		c.err = err
		t.Fatal(err)
	}
	if c.rssKiB[1], err = h.PeakRSS(); err != nil {
		t.Fatal(err)
	}
	h.MustCtl("down", "bench")
}

func printTable(out io.Writer, o options, cols []*column) {
	a, b, c := cols[0], cols[1], cols[2]
	fmt.Fprintf(out, "\nSystem benchmark: iperf3 to the LAN host, %s per run, IKE %s, ESP %s, %d CPUs\n\n", o.each, ikeProposal, espProposal, runtime.NumCPU())
	fmt.Fprintf(out, "%-22s %14s %14s %14s %8s %8s\n", "Mbit/s", a.name, b.name, c.name, "a/b", "a/c")
	kinds := []string{"TCP up", "TCP down", fmt.Sprintf("UDP %dM (received)", o.udpRate/1_000_000)}
	for i, k := range kinds {
		fmt.Fprintf(out, "%-22s %14s %14s %14s %8s %8s\n", k, cell(a, i), cell(b, i), cell(c, i), ratio(a, b, i), ratio(a, c, i))
	}
	fmt.Fprintln(out)
	if a.rssKiB[1] > 0 {
		fmt.Fprintf(out, "helper peak RSS: %.1f MiB before, %.1f MiB after a %s UDP flood at %d Mbit/s\n",
			float64(a.rssKiB[0])/1024, float64(a.rssKiB[1])/1024, o.flood, o.udpRate/1_000_000)
	}
	for _, col := range cols {
		if col.err != nil {
			fmt.Fprintf(out, "%s: %v\n", col.name, col.err)
		}
	}
}

func cell(c *column, i int) string {
	if i >= len(c.rows) {
		return "n/a"
	}
	r := c.rows[i]
	if r.Kind == "UDP" {
		return fmt.Sprintf("%.0f (%.1f%%)", r.BitsPerSecond/1e6, r.LostPercent)
	}
	return fmt.Sprintf("%.0f", r.BitsPerSecond/1e6)
}

func ratio(x, y *column, i int) string {
	if i >= len(x.rows) || i >= len(y.rows) || y.rows[i].BitsPerSecond == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f", x.rows[i].BitsPerSecond/y.rows[i].BitsPerSecond)
}
