package main

import (
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

func main() {
	bin := flag.String("bin", "", "`directory` holding espresso-helper and espressoctl (default: build them)")
	flag.Parse()
	s := testnet.NewScript(os.Stdout)
	s.CleanupMessage = "\n==> Cleaning up: stopping the helper, strongSwan and iperf3, deleting the namespaces"
	err := s.Run(func(t testnet.T) { demo(t, *bin, s.Output()) })
	switch {
	case err == nil:
		fmt.Println("\nDemo complete: everything it created has been removed.")
	case errors.Is(err, testnet.ErrSkipped):
		os.Exit(2)
	default:
		fmt.Println("\nThe demo failed; everything it created has been removed.")
		os.Exit(1)
	}
}

// step prints the one-line explanation of what comes next.
func step(out io.Writer, format string, args ...any) {
	fmt.Fprintf(out, "\n==> "+format+"\n", args...)
}

// show prints a command and its indented output.
func show(out io.Writer, cmd, output string) {
	fmt.Fprintf(out, "    $ %s\n", cmd)
	for _, l := range strings.Split(strings.TrimRight(output, "\n"), "\n") {
		fmt.Fprintf(out, "    %s\n", l)
	}
}

func demo(t testnet.T, bin string, out io.Writer) {
	step(out, "Checking that this runs as root with ip, strongSwan and iperf3 installed (make deps installs them)")
	testnet.RequireRoot(t, "iperf3", "swanctl", "/usr/lib/ipsec/charon", "nft", "ss", "ping")

	var bins lab.Binaries
	if bin != "" {
		step(out, "Using espresso-helper and espressoctl from %s", bin)
		bins = lab.Binaries{Helper: filepath.Join(bin, "espresso-helper"), Ctl: filepath.Join(bin, "espressoctl")}
	} else {
		step(out, "Building espresso-helper and espressoctl")
		dir, err := os.MkdirTemp("", "espresso-demo-")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { os.RemoveAll(dir) })
		bins = lab.Build(t, dir)
	}

	step(out, "Creating network namespaces: a client (%s), a strongSwan gateway (%s) and a LAN host (%s) behind it",
		testnet.ClientV4, testnet.GatewayV4, testnet.LANHostV4)
	top := testnet.NewTopology(t, testnet.Options{})
	fmt.Fprintf(out, "    %s, %s, %s (try: ip netns exec %s ip addr)\n", top.Client.Name, top.Gateway.Name, top.LAN.Name, top.Client.Name)

	lab.IsolateLAN(t, top)

	step(out, "Starting strongSwan (kernel-libipsec) on the gateway: it hands out virtual IPs from %s and DNS %s, and routes the LAN %s",
		testnet.PoolV4, testnet.DNSV4, testnet.LANV4)
	gw := lab.StartGateway(t, top)
	lab.StartIPerfServer(t, top.LAN, testnet.LANHostV4)

	step(out, "Starting espresso-helper in the client namespace")
	h := lab.StartHelper(t, top.Client, bins)
	fmt.Fprintf(out, "    socket %s, state in %s\n", h.Socket, h.StateDir)
	before := lab.ReadState(t, top.Client, h.ResolvConf)

	step(out, "Without the tunnel the LAN host is out of reach: the gateway forwards nothing in the clear between the client and the LAN")
	ping, _ := top.Client.Run("ping", "-c", "1", "-W", "1", testnet.LANHostV4.String())
	show(out, "ping -c 1 "+testnet.LANHostV4.String(), ping)

	p := lab.PSKProfile("demo")
	step(out, "Importing the demo profile (pre-shared key, shown here without it)")
	b, err := json.MarshalIndent(p.Redacted(), "    ", "  ")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(out, "    %s\n", b)
	h.Import(p)
	show(out, "espressoctl list", h.MustCtl("list"))

	step(out, "Connecting: espressoctl up returns once the tunnel is up and the system configured")
	show(out, "espressoctl up demo", h.MustCtl("up", "demo"))

	step(out, "The connection's status, in words and as JSON")
	show(out, "espressoctl status demo", h.MustCtl("status", "demo"))
	show(out, "espressoctl status --json demo", h.MustCtl("status", "--json", "demo"))
	st, err := h.Status("demo")
	if err != nil || len(st.VirtualIPs) == 0 {
		t.Fatalf("no virtual IP in the status: %v", err)
	}
	vip := netip.MustParseAddr(st.VirtualIPs[0])

	step(out, "What the helper changed in the client namespace: the virtual IP on its TUN device, routes in table 220, the rule and DNS")
	show(out, "ip -br addr", top.Client.MustRun("ip", "-br", "addr"))
	show(out, "ip rule", top.Client.MustRun("ip", "rule"))
	show(out, "ip route show table 220", top.Client.MustRun("ip", "route", "show", "table", "220"))

	step(out, "Pinging the LAN host through the tunnel from the virtual IP %s", vip)
	show(out, "ping -c 3 "+testnet.LANHostV4.String(),
		top.Client.MustRun("ping", "-c", "3", "-i", "0.3", "-W", "2", testnet.LANHostV4.String()))

	step(out, "A 3-second iperf3 TCP transfer to the LAN host through the tunnel")
	tr, err := lab.IPerf(top.Client, testnet.LANHostV4, vip, 3*time.Second, false, 0)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(out, "    %.0f Mbit/s\n", tr.BitsPerSecond/1e6)

	step(out, "The gateway's view of the connection")
	show(out, "swanctl --list-sas", gw.ListSAs())
	show(out, "espressoctl status demo", h.MustCtl("status", "demo"))

	step(out, "Disconnecting")
	show(out, "espressoctl down demo", h.MustCtl("down", "demo"))

	step(out, "Checking that the client namespace is exactly as before the connection")
	if d := before.Diff(lab.ReadState(t, top.Client, h.ResolvConf)); d != "" {
		t.Fatalf("the disconnect left changes behind:\n%s", d)
	}
	fmt.Fprintln(out, "    no address, route, rule, DNS change or device left behind")
}
