package interop

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestStrongSwan6Pair runs a strongSwan 6 client against a strongSwan 6
// gateway with each post-quantum proposal: setup with IKE_INTERMEDIATE,
// traffic, then a Child SA rekey and an IKE SA rekey by the client, each
// with PFS through IKE_FOLLOWUP_KE, and traffic after each. It checks the
// lab without Espresso, and is how the known-answer material of
// ipsec/ike/internal/kat/testdata/strongswan-6.0.6 was made: with
// ESPRESSO_KAT_STRONGSWAN6 set to a directory, each case writes there the
// client's capture (NAME.pcap, IKE messages only) and its charon log at
// the key-material levels (NAME-client-charon.log).
func TestStrongSwan6Pair(t *testing.T) {
	for _, s := range pqSuites {
		t.Run(s.name, func(t *testing.T) {
			ss := testnet.StrongSwan6(t)
			testnet.RequireRoot(t, "tcpdump")
			top := testnet.NewTopology(t, testnet.Options{})
			secrets := []testnet.Secret{{Kind: "ike", IDs: []string{gwID, cliID}, Secret: psk}}
			conn := gatewayConn("psk")
			conn.IKEProposals, conn.ESPProposals = []string{s.ike}, []string{s.esp}
			gw := testnet.StartCharon(t, top.Gateway, testnet.CharonConfig{
				Conns: []testnet.Conn{conn}, Secrets: secrets, StrongSwan: ss,
				DNS: []string{testnet.DNSV4.String()},
			})
			keepLog(t, gw)
			cli := testnet.StartCharon(t, top.Client, testnet.CharonConfig{
				Conns: []testnet.Conn{{
					Name: "home", LocalAuth: "psk", RemoteAuth: "psk",
					LocalID: cliID, RemoteID: gwID,
					RemoteAddrs: testnet.GatewayV4.String(), VIPs: []string{"0.0.0.0"},
					RemoteTS:     []string{testnet.LANV4.String()},
					IKEProposals: []string{s.ike}, ESPProposals: []string{s.esp},
				}},
				Secrets: secrets, StrongSwan: ss, KeyLog: true,
			})
			capture := startCapture(t, top.Client)

			if out, err := cli.Swanctl("--initiate", "--child", "home", "--timeout", "20"); err != nil {
				t.Fatalf("initiate: %v\n%s", err, out)
			}
			pingThrough(t, top, gw, 1)
			if out, err := cli.Swanctl("--rekey", "--child", "home"); err != nil {
				t.Fatalf("child rekey: %v\n%s", err, out)
			}
			waitSAs(t, cli, "the client's rekeyed Child SA", "home: #2, reqid 1, INSTALLED")
			pingThrough(t, top, gw, 2)
			if out, err := cli.Swanctl("--rekey", "--ike", "home"); err != nil {
				t.Fatalf("IKE rekey: %v\n%s", err, out)
			}
			waitSAs(t, cli, "the client's rekeyed IKE SA", "home: #2, ESTABLISHED")
			pingThrough(t, top, gw, 3)
			pcap := capture()
			// The client's log is read once the daemon has ended.
			cli.Process().Stop(5 * time.Second)
			log := cli.Log()
			if got := countExchanges(log, "generating", "IKE_INTERMEDIATE"); got != boolCount(s.intermediate, 1) {
				t.Errorf("the client sent %d IKE_INTERMEDIATE requests", got)
			}
			if got := countExchanges(log, "generating", "IKE_FOLLOWUP_KE"); got != boolCount(s.intermediate, 2) {
				t.Errorf("the client sent %d IKE_FOLLOWUP_KE requests", got)
			}
			if dir := os.Getenv("ESPRESSO_KAT_STRONGSWAN6"); dir != "" {
				if err := os.MkdirAll(dir, 0o755); err != nil {
					t.Fatal(err)
				}
				for name, b := range map[string][]byte{s.name + ".pcap": pcap, s.name + "-client-charon.log": []byte(log)} {
					if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
						t.Fatal(err)
					}
				}
				t.Logf("wrote %s.pcap and %s-client-charon.log to %s", s.name, s.name, dir)
			}
		})
	}
}

// countExchanges counts the requests of an exchange type a charon log says
// it generated or parsed (verb), each once: a fragmented message is logged
// whole ("[ KE ]") and then by fragment ("[ EF(1/2) ]").
func countExchanges(log, verb, exchange string) int {
	re := regexp.MustCompile(verb + " " + exchange + ` request \d+ \[ KE`)
	return len(re.FindAllString(log, -1))
}

func boolCount(b bool, n int) int {
	if b {
		return n
	}
	return 0
}

// pingThrough pings the LAN host from the client namespace through the
// tunnel kernel-libipsec set up, and checks that the gateway's Child SA
// counted it.
func pingThrough(t *testing.T, top *testnet.Topology, gw *testnet.Charon, n int) {
	t.Helper()
	in0, _ := testnet.ChildPackets(gw.ListSAs())
	var err error
	for range 5 {
		if _, err = top.Client.Run("ping", "-c", "1", "-W", "2", testnet.LANHostV4.String()); err == nil {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("ping %d: no reply through the tunnel: %v", n, err)
	}
	// The client also has a plain route to the LAN: the counters show the
	// ping went through the tunnel. After a rekey they count afresh.
	if in, _ := testnet.ChildPackets(gw.ListSAs()); in == 0 || in == in0 {
		t.Fatalf("ping %d: the gateway's Child SAs counted no new packets:\n%s", n, gw.ListSAs())
	}
}

// waitSAs waits up to 20 seconds for swanctl --list-sas of c to contain
// want, naming what in the failure.
func waitSAs(t *testing.T, c *testnet.Charon, what, want string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		sas := c.ListSAs()
		if strings.Contains(sas, want) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 20s (want %q):\n%s", what, want, sas)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// startCapture records the IKE messages (UDP port 500, and port 4500
// with the non-ESP marker) on the client's eth0 with tcpdump; the function
// it returns stops the capture and returns the pcap file.
func startCapture(t *testing.T, ns *testnet.Namespace) func() []byte {
	t.Helper()
	dir := t.TempDir()
	file, logFile := filepath.Join(dir, "ike.pcap"), filepath.Join(dir, "tcpdump.log")
	p := testnet.Start(t, ns.Command("tcpdump", "-i", "eth0", "-n", "--immediate-mode", "-U", "-s", "0", "-w", file,
		"udp port 500 or (udp port 4500 and udp[8:4] = 0)"), logFile)
	// tcpdump says "listening on" once its capture is open.
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(logFile)
		if strings.Contains(string(b), "listening on") {
			break
		}
		if p.Exited() || time.Now().After(deadline) {
			t.Fatalf("tcpdump did not start: %s", b)
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() []byte {
		p.Stop(5 * time.Second)
		b, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
}
