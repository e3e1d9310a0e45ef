package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// Proposals the IPsec clients use, so that they compare the same
// cryptography.
const (
	ikeProposal = "aes256gcm16-prfsha384-x25519"
	espProposal = "aes256gcm16"
)

// The targets of the comparison (README "Performance").
const (
	targetTCP    = 1.0 // Espresso ⇄ Espresso TCP over wireguard-go ⇄ wireguard-go, at least
	targetRSSMiB = 64  // the helper's peak RSS under the flood, at most
	targetCPU    = 0.5 // Espresso client CPU/GB over strongSwan client CPU/GB, at most
	gigabyte     = 1e9 // bytes, for CPU seconds per gigabyte
	setupTimeout = 15 * time.Second
)

type options struct {
	each     time.Duration
	rounds   int
	udpRate  int64
	bin      string
	wgBin    string
	profile  string
	profESP  string // udp, raw or strongswan
	responds bool
}

func main() {
	var o options
	flag.DurationVar(&o.each, "time", 4*time.Second, "duration of each iperf3 run")
	flag.IntVar(&o.rounds, "rounds", 3, "rounds over all tunnels; the table shows the medians")
	flag.Int64Var(&o.udpRate, "udp-rate", 500_000_000, "offered UDP rate in bits per second")
	flag.StringVar(&o.bin, "bin", "", "`directory` holding espresso-helper and espressoctl (default: build them)")
	flag.StringVar(&o.wgBin, "wireguard-go", "", "the wireguard-go `program` (make bench passes the one make deps builds)")
	flag.StringVar(&o.profile, "profile", "", "also write a CPU profile of the helper under TCP load to `file`")
	flag.StringVar(&o.profESP, "profile-esp", "udp", "the tunnel -profile profiles: `udp` (ESP in UDP), raw (raw ESP) or strongswan (ESP in UDP to strongSwan's gateway)")
	flag.BoolVar(&o.responds, "serve-responder", false, "internal: be Espresso's responder in this namespace until SIGTERM")
	flag.Parse()
	switch o.profESP {
	case "udp", "raw", "strongswan":
	default:
		fmt.Fprintln(os.Stderr, "sysbench: -profile-esp must be udp, raw or strongswan")
		os.Exit(2)
	}
	if o.rounds < 1 || o.rounds > 20 || o.each < time.Second || o.each > 5*time.Minute || o.udpRate <= 0 {
		fmt.Fprintln(os.Stderr, "sysbench: -rounds must be 1 to 20, -time 1s to 5m, -udp-rate positive")
		os.Exit(2)
	}
	s := testnet.NewScript(os.Stdout)
	var err error
	if o.responds {
		err = s.Run(func(t testnet.T) { serveResponder(t) })
	} else {
		err = s.Run(func(t testnet.T) { run(t, s, o, s.Output()) })
	}
	switch {
	case errors.Is(err, testnet.ErrSkipped):
		os.Exit(2)
	case err != nil:
		os.Exit(1)
	}
}

// serveResponder is the process the Espresso ⇄ Espresso tunnels have as
// their gateway, so that its CPU time is its own.
func serveResponder(t testnet.T) {
	lab.StartResponder(t, lab.Here{}, os.Stderr)
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, os.Interrupt)
	<-sigs
}

// proc is a tunnel process whose CPU time and memory are measured.
type proc struct {
	role string // "client" or "gateway"
	name string
	pid  int
}

// tunnel is one column: how to set it up, and what it measured in each
// round.
type tunnel struct {
	name  string
	setup func(t testnet.T) (*testnet.Namespace, []proc)
	ns    *testnet.Namespace
	procs []proc
	err   error
	runs  []round
}

// round is one tunnel's measurements in one round.
type round struct {
	tr     [3]lab.Transfer // TCP up, TCP down, UDP
	cpuGB  []float64       // per proc: CPU seconds per gigabyte received
	rssKiB []int           // per proc: peak RSS during the UDP flood
}

func run(t testnet.T, s *testnet.Script, o options, out io.Writer) {
	testnet.RequireRoot(t, "iperf3", "swanctl", "nft", "ss", "ethtool")
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
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tunnels := []*tunnel{
		{name: "Espresso ⇄ Espresso, ESP in UDP", setup: func(t testnet.T) (*testnet.Namespace, []proc) {
			return espressoPair(t, bins, self, false)
		}},
		{name: "Espresso ⇄ Espresso, raw ESP", setup: func(t testnet.T) (*testnet.Namespace, []proc) {
			return espressoPair(t, bins, self, true)
		}},
		{name: "wireguard-go ⇄ wireguard-go", setup: func(t testnet.T) (*testnet.Namespace, []proc) {
			return wireguardPair(t, o.wgBin)
		}},
		{name: "Espresso → strongSwan", setup: func(t testnet.T) (*testnet.Namespace, []proc) {
			return espressoStrongSwan(t, bins)
		}},
		{name: "strongSwan → strongSwan", setup: strongSwanPair},
		{name: "no tunnel", setup: plain},
	}
	// Every tunnel stays up for the whole run, each in its own
	// namespaces, so that the rounds can interleave them.
	for _, tu := range tunnels {
		fmt.Fprintf(out, "setting up %s\n", tu.name)
		if err := s.Try(func() { tu.ns, tu.procs = tu.setup(t) }); err != nil {
			tu.err = fmt.Errorf("setup: %w", err)
		}
	}
	for r := range o.rounds {
		// Each round starts one tunnel further on, so that no tunnel is
		// always measured first or last.
		for i := range tunnels {
			tu := tunnels[(r+i)%len(tunnels)]
			if tu.err != nil {
				continue
			}
			fmt.Fprintf(out, "round %d/%d: %s\n", r+1, o.rounds, tu.name)
			rd, err := measure(tu, o)
			if err != nil {
				fmt.Fprintf(out, "  %v\n", err)
				continue
			}
			tu.runs = append(tu.runs, rd)
		}
	}
	var profile string
	if o.profile != "" {
		fmt.Fprintf(out, "profiling the helper under TCP load (%s)\n", profiledTunnel(o))
		if err := s.Try(func() { profile = profileHelper(t, bins, self, o, dir) }); err != nil {
			fmt.Fprintf(out, "profile: %v\n", err)
		}
	}
	printTable(out, o, tunnels)
	if profile != "" {
		top, err := exec.Command(goTool(), "tool", "pprof", "-top", "-nodecount=25", profile).CombinedOutput()
		if err != nil {
			fmt.Fprintf(out, "go tool pprof: %v\n", err)
		}
		fmt.Fprintf(out, "\nCPU profile of the helper under TCP load (%s): %s\n%s", profiledTunnel(o), o.profile, top)
	}
}

// measure runs TCP up, TCP down and UDP at the offered rate through tu,
// with its processes' CPU time before and after and their peak RSS over
// the UDP run.
func measure(tu *tunnel, o options) (round, error) {
	var rd round
	before := make([]time.Duration, len(tu.procs))
	for i, p := range tu.procs {
		var err error
		if before[i], err = lab.CPUTime(p.pid); err != nil {
			return rd, fmt.Errorf("%s: %w", p.name, err)
		}
	}
	var bytes float64
	for k, m := range []struct {
		reverse bool
		udp     int64
	}{{false, 0}, {true, 0}, {false, o.udpRate}} {
		if m.udp > 0 {
			for _, p := range tu.procs {
				if err := lab.ResetPeakRSS(p.pid); err != nil {
					return rd, fmt.Errorf("%s: %w", p.name, err)
				}
			}
		}
		tr, err := lab.IPerf(tu.ns, testnet.LANHostV4, netip.Addr{}, o.each, m.reverse, m.udp)
		if err != nil {
			return rd, err
		}
		rd.tr[k] = tr
		bytes += tr.Bytes
	}
	for i, p := range tu.procs {
		rss, err := lab.PeakRSSOf(p.pid)
		if err != nil {
			return rd, fmt.Errorf("%s: %w", p.name, err)
		}
		after, err := lab.CPUTime(p.pid)
		if err != nil {
			return rd, fmt.Errorf("%s: %w", p.name, err)
		}
		rd.rssKiB = append(rd.rssKiB, rss)
		cpu := 0.0
		if bytes > 0 {
			cpu = (after - before[i]).Seconds() / (bytes / gigabyte)
		}
		rd.cpuGB = append(rd.cpuGB, cpu)
	}
	return rd, nil
}

// startResponder runs this program as Espresso's responder in the
// gateway namespace and waits for its IKE port.
func startResponder(t testnet.T, top *testnet.Topology, self string) *testnet.Process {
	log, err := os.CreateTemp("", "espresso-responder-*.log")
	if err != nil {
		t.Fatal(err)
	}
	log.Close()
	t.Cleanup(func() { os.Remove(log.Name()) })
	p := testnet.Start(t, top.Gateway.Command(self, "-serve-responder"), log.Name())
	for deadline := time.Now().Add(setupTimeout); ; {
		if out, _ := top.Gateway.Run("ss", "-lunH", "sport", "= :4500"); strings.Contains(out, testnet.GatewayV4.String()) {
			return p
		}
		if p.Exited() || time.Now().After(deadline) {
			b, _ := os.ReadFile(log.Name())
			t.Fatalf("the responder did not start:\n%s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// connectHelper starts the helper in the client namespace and brings up
// the PSK profile, in raw ESP when raw.
func connectHelper(t testnet.T, top *testnet.Topology, bins lab.Binaries, raw bool, extra ...string) *lab.Helper {
	h := lab.StartHelperArgs(t, top.Client, bins, extra...)
	p := lab.PSKProfile("bench")
	p.IKEProposals, p.ESPProposals = []string{ikeProposal}, []string{espProposal}
	p.RawESP = raw
	h.Import(p)
	if _, err := h.Ctl("up", "bench"); err != nil {
		t.Fatal(err)
	}
	return h
}

// espressoPair is the helper against Espresso's responder.
func espressoPair(t testnet.T, bins lab.Binaries, self string, raw bool) (*testnet.Namespace, []proc) {
	top := newTopology(t)
	lab.IsolateLAN(t, top) // only the tunnel reaches the LAN
	gw := startResponder(t, top, self)
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
	h := connectHelper(t, top, bins, raw)
	return top.Client, []proc{{"client", "espresso-helper", h.PID()}, {"gateway", "Espresso resp.", gw.PID()}}
}

// wireguardPair is wireguard-go on both sides.
func wireguardPair(t testnet.T, bin string) (*testnet.Namespace, []proc) {
	if bin == "" {
		t.Skip("skipping wireguard-go: no -wireguard-go program (make bench passes it)")
	}
	top := newTopology(t)
	lab.IsolateLAN(t, top)
	w := lab.StartWireGuard(t, top, bin)
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
	return top.Client, []proc{{"client", "wireguard-go", w.Client.PID()}, {"gateway", "wireguard-go", w.Gateway.PID()}}
}

// gatewayCharon is the strongSwan gateway's charon.
func gatewayCharon(t testnet.T, top *testnet.Topology) proc {
	pids, err := lab.PIDsOf(top.Gateway, "charon")
	if err != nil {
		t.Fatal(err)
	}
	return proc{"gateway", "charon", pids[0]}
}

// espressoStrongSwan is the helper against strongSwan's kernel-libipsec
// gateway.
func espressoStrongSwan(t testnet.T, bins lab.Binaries) (*testnet.Namespace, []proc) {
	top := newTopology(t)
	lab.IsolateLAN(t, top)
	lab.StartGateway(t, top)
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
	h := connectHelper(t, top, bins, false)
	return top.Client, []proc{{"client", "espresso-helper", h.PID()}, gatewayCharon(t, top)}
}

// strongSwanPair is a strongSwan client with kernel-libipsec, which
// routes the LAN into its TUN device, against the same gateway.
func strongSwanPair(t testnet.T) (*testnet.Namespace, []proc) {
	top := newTopology(t)
	lab.IsolateLAN(t, top)
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
		t.Fatalf("strongSwan client: %v\n%s", err, out)
	}
	pids, err := lab.PIDsOf(top.Client, "charon")
	if err != nil {
		t.Fatal(err)
	}
	return top.Client, []proc{{"client", "charon", pids[0]}, gatewayCharon(t, top)}
}

// newTopology builds a tunnel's namespaces with GRO on every link, as
// physical NICs have it by default (veth has it off): the receivers then
// get what arrives in a burst coalesced, as they would on real hardware.
func newTopology(t testnet.T) *testnet.Topology {
	top := testnet.NewTopology(t, testnet.Options{})
	for _, l := range []struct {
		ns  *testnet.Namespace
		dev string
	}{{top.Client, "eth0"}, {top.Gateway, "wan"}, {top.Gateway, "lan"}, {top.LAN, "eth0"}} {
		if out, err := l.ns.Run("ethtool", "-K", l.dev, "gro", "on"); err != nil {
			t.Fatalf("GRO on %s: %v\n%s", l.dev, err, out)
		}
	}
	return top
}

// plain is the path with no tunnel: the gateway forwards in the clear.
func plain(t testnet.T) (*testnet.Namespace, []proc) {
	top := newTopology(t)
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
	return top.Client, nil
}

// profileHelper runs TCP up and down through a fresh Espresso ⇄ Espresso
// tunnel whose helper profiles its CPU, stops the helper and copies the
// profile to o.profile, which it returns.
func profileHelper(t testnet.T, bins lab.Binaries, self string, o options, dir string) string {
	top := newTopology(t)
	lab.IsolateLAN(t, top)
	if o.profESP == "strongswan" {
		lab.StartGateway(t, top)
	} else {
		startResponder(t, top, self)
	}
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)
	prof := filepath.Join(dir, "helper.pprof")
	h := connectHelper(t, top, bins, o.profESP == "raw", "--cpuprofile", prof)
	for _, reverse := range []bool{false, true} {
		if _, err := lab.IPerf(top.Client, testnet.LANHostV4, netip.Addr{}, o.each, reverse, 0); err != nil {
			t.Fatal(err)
		}
	}
	h.Stop() // the profile is written when the helper stops
	b, err := os.ReadFile(prof)
	if err == nil {
		err = os.WriteFile(o.profile, b, 0o644)
	}
	if err != nil {
		t.Fatal(err)
	}
	return o.profile
}

// profiledTunnel names the tunnel profileHelper profiles.
func profiledTunnel(o options) string {
	switch o.profESP {
	case "raw":
		return "Espresso ⇄ Espresso, raw ESP"
	case "strongswan":
		return "Espresso → strongSwan"
	}
	return "Espresso ⇄ Espresso, ESP in UDP"
}

// goTool is the go command: $GO as the Makefile sets it, else the one on
// the path.
func goTool() string {
	if g := os.Getenv("GO"); g != "" {
		return g
	}
	return "go"
}

// summary is one tunnel's medians over its rounds.
type summary struct {
	ok       bool
	mbps     [3]float64 // TCP up, TCP down, UDP received
	loss     float64    // UDP
	cpuGB    []float64  // per proc
	rssMiB   []float64  // per proc, the highest peak of the rounds
	rounds   int
	procs    []proc
	name     string
	failures string
}

func summarise(tu *tunnel) summary {
	s := summary{name: tu.name, procs: tu.procs, rounds: len(tu.runs)}
	if tu.err != nil {
		s.failures = tu.err.Error()
	}
	if len(tu.runs) == 0 {
		return s
	}
	s.ok = true
	for k := range 3 {
		s.mbps[k] = median(tu.runs, func(r round) float64 { return r.tr[k].BitsPerSecond / 1e6 })
	}
	s.loss = median(tu.runs, func(r round) float64 { return r.tr[2].LostPercent })
	for i := range tu.procs {
		s.cpuGB = append(s.cpuGB, median(tu.runs, func(r round) float64 { return r.cpuGB[i] }))
		peak := 0
		for _, r := range tu.runs {
			peak = max(peak, r.rssKiB[i])
		}
		s.rssMiB = append(s.rssMiB, float64(peak)/1024)
	}
	return s
}

func median(rs []round, f func(round) float64) float64 {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	slices.Sort(v)
	if len(v)%2 == 1 {
		return v[len(v)/2]
	}
	return (v[len(v)/2-1] + v[len(v)/2]) / 2
}

func printTable(out io.Writer, o options, tunnels []*tunnel) {
	ss := make([]summary, len(tunnels))
	for i, tu := range tunnels {
		ss[i] = summarise(tu)
	}
	fmt.Fprintf(out, "\nSystem benchmark, %s: iperf3 from the client to the LAN host, %s per run, medians of %d interleaved rounds,\n"+
		"IKE %s, ESP %s, UDP offered at %d Mbit/s, %d CPUs, links with GRO on. Mbit/s received; CPU seconds per GB received and peak RSS (MiB,\n"+
		"during the UDP run) of the client's and the gateway's tunnel process.\n\n",
		time.Now().UTC().Format("2006-01-02 15:04 MST"), o.each, o.rounds, ikeProposal, espProposal, o.udpRate/1_000_000, runtime.NumCPU())
	const rowFmt = "| %-31s | %6s | %6s | %6s | %5s | %-15s | %5s | %4s | %-18s | %5s | %4s |\n"
	fmt.Fprintf(out, rowFmt, "tunnel", "TCP up", "TCP dn", "UDP", "loss", "client", "s/GB", "RSS", "gateway", "s/GB", "RSS")
	fmt.Fprintf(out, rowFmt, dashes(31), dashes(5)+":", dashes(5)+":", dashes(5)+":", dashes(4)+":", dashes(15), dashes(4)+":", dashes(3)+":", dashes(18), dashes(4)+":", dashes(3)+":")
	for _, s := range ss {
		if !s.ok {
			fmt.Fprintf(out, rowFmt, s.name, "n/a", "n/a", "n/a", "n/a", "", "", "", "", "", "")
			continue
		}
		var p [2][3]string
		for i := range p {
			p[i] = [3]string{"–", "", ""}
			if i < len(s.procs) {
				p[i] = [3]string{s.procs[i].name, fmt.Sprintf("%.1f", s.cpuGB[i]), fmt.Sprintf("%.0f", s.rssMiB[i])}
			}
		}
		fmt.Fprintf(out, rowFmt, s.name, mbit(s.mbps[0]), mbit(s.mbps[1]), mbit(s.mbps[2]), fmt.Sprintf("%.1f%%", s.loss),
			p[0][0], p[0][1], p[0][2], p[1][0], p[1][1], p[1][2])
	}

	espUDP, espRaw, wg, espSS, ssSS := ss[0], ss[1], ss[2], ss[3], ss[4]
	fmt.Fprintf(out, "\nTargets (figures of this run, not tests):\n\n")
	fmt.Fprintf(out, "| %-60s | %-26s | %-26s |\n", "target", "ESP in UDP", "raw ESP")
	fmt.Fprintf(out, "|%s|%s|%s|\n", strings.Repeat("-", 62), strings.Repeat("-", 28), strings.Repeat("-", 28))
	row := func(what string, cell func(summary) (string, bool)) {
		var c [2]string
		for i, e := range []summary{espUDP, espRaw} {
			v, ok := cell(e)
			c[i] = v
			if v != "n/a" {
				c[i] += " " + met(ok)
			}
		}
		fmt.Fprintf(out, "| %-60s | %-26s | %-26s |\n", what, c[0], c[1])
	}
	for k, what := range []string{"TCP up", "TCP down"} {
		row(fmt.Sprintf("%s, Espresso ⇄ Espresso / wireguard-go ≥ %.1f× (aim 3×)", what, targetTCP), func(e summary) (string, bool) {
			if !e.ok || !wg.ok || wg.mbps[k] == 0 {
				return "n/a", false
			}
			r := e.mbps[k] / wg.mbps[k]
			return fmt.Sprintf("%.2f×", r), r >= targetTCP
		})
	}
	row(fmt.Sprintf("UDP %dM received / wireguard-go's: higher", o.udpRate/1_000_000), func(e summary) (string, bool) {
		if !e.ok || !wg.ok || wg.mbps[2] == 0 {
			return "n/a", false
		}
		r := e.mbps[2] / wg.mbps[2]
		return fmt.Sprintf("%.2f×", r), r > 1
	})
	row(fmt.Sprintf("UDP %dM loss, Espresso vs wireguard-go: lower", o.udpRate/1_000_000), func(e summary) (string, bool) {
		if !e.ok || !wg.ok {
			return "n/a", false
		}
		return fmt.Sprintf("%.1f%% vs %.1f%%", e.loss, wg.loss), e.loss < wg.loss
	})
	row(fmt.Sprintf("helper peak RSS under the UDP flood ≤ %d MiB", targetRSSMiB), func(e summary) (string, bool) {
		if !e.ok || len(e.rssMiB) == 0 {
			return "n/a", false
		}
		return fmt.Sprintf("%.0f MiB", e.rssMiB[0]), e.rssMiB[0] <= targetRSSMiB
	})
	cpu := "n/a"
	if espSS.ok && ssSS.ok && len(espSS.cpuGB) > 0 && len(ssSS.cpuGB) > 0 && ssSS.cpuGB[0] > 0 {
		r := espSS.cpuGB[0] / ssSS.cpuGB[0]
		cpu = fmt.Sprintf("%.2f× %s", r, met(r <= targetCPU))
	}
	fmt.Fprintf(out, "| %-60s | %-26s | %-26s |\n", fmt.Sprintf("client CPU/GB to strongSwan, Espresso / strongSwan ≤ %.1f×", targetCPU), cpu, "– (the gateway takes UDP)")
	fmt.Fprintln(out)
	for _, s := range ss {
		if s.failures != "" || s.rounds < o.rounds {
			fmt.Fprintf(out, "%s: %d of %d rounds measured %s\n", s.name, s.rounds, o.rounds, s.failures)
		}
	}
}

func mbit(v float64) string { return fmt.Sprintf("%.0f", v) }

func dashes(n int) string { return strings.Repeat("-", n) }

func met(ok bool) string {
	if ok {
		return "met"
	}
	return "not met"
}
