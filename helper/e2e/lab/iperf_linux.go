package lab

import (
	"context"
	"encoding/json"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// IPerfPort is the port of the lab's iperf3 servers.
const IPerfPort = 5201

// StartIPerfServer runs an iperf3 server in ns on addr until the end.
func StartIPerfServer(t testnet.T, ns *testnet.Namespace, addr netip.Addr) {
	t.Helper()
	testnet.RequireRoot(t, "iperf3")
	testnet.Start(t, ns.Command("iperf3", "-s", "-B", addr.String(), "-p", strconv.Itoa(IPerfPort)), "")
	for deadline := time.Now().Add(5 * time.Second); ; {
		if out, _ := ns.Run("ss", "-ltnH", "sport", "= :"+strconv.Itoa(IPerfPort)); strings.Contains(out, addr.String()) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("iperf3 server in %s did not start", ns.Name)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Transfer is one iperf3 measurement.
type Transfer struct {
	// Kind names it: "TCP up", "TCP down", "UDP".
	Kind string
	// BitsPerSecond is the rate the receiver saw.
	BitsPerSecond float64
	// LostPercent is the UDP loss; 0 for TCP.
	LostPercent float64
	// Bytes is what the receiver got.
	Bytes float64
}

// IPerf runs an iperf3 client in ns towards server for d: TCP from the
// client (up), TCP from the server (down, -R) or UDP at udpRate bits per
// second when udpRate > 0. bind, when valid, is the client's source.
func IPerf(ns *testnet.Namespace, server, bind netip.Addr, d time.Duration, reverse bool, udpRate int64) (Transfer, error) {
	args := []string{"iperf3", "-c", server.String(), "-p", strconv.Itoa(IPerfPort), "-J",
		"-t", strconv.Itoa(max(1, int(d/time.Second))), "--connect-timeout", "5000"}
	tr := Transfer{Kind: "TCP up"}
	if bind.IsValid() {
		args = append(args, "-B", bind.String())
	}
	if reverse {
		args = append(args, "-R")
		tr.Kind = "TCP down"
	}
	if udpRate > 0 {
		args = append(args, "-u", "-b", strconv.FormatInt(udpRate, 10), "-l", "1200")
		tr.Kind = "UDP"
	}
	var out string
	var err error
	// The server takes one test at a time and needs a moment between two:
	// a client that comes too early is turned away, not measured.
	for try := 0; try < 3; try++ {
		// iperf3 can wait forever for a peer that vanished mid-test.
		ctx, cancel := context.WithTimeout(context.Background(), d+30*time.Second)
		out, err = ns.RunContext(ctx, args...)
		cancel()
		if err == nil || !busy(out) {
			break
		}
		time.Sleep(500 * time.Millisecond)
	}
	var res struct {
		Error string `json:"error"`
		End   struct {
			SumReceived struct {
				BitsPerSecond float64 `json:"bits_per_second"`
				Bytes         float64 `json:"bytes"`
			} `json:"sum_received"`
			Sum struct {
				BitsPerSecond float64 `json:"bits_per_second"`
				LostPercent   float64 `json:"lost_percent"`
				Bytes         float64 `json:"bytes"`
			} `json:"sum"`
		} `json:"end"`
	}
	if jerr := json.Unmarshal([]byte(out), &res); jerr != nil {
		if err == nil {
			err = jerr
		}
		return tr, fmt.Errorf("iperf3 %s: %w", tr.Kind, err)
	}
	if res.Error != "" {
		return tr, fmt.Errorf("iperf3 %s: %s", tr.Kind, res.Error)
	}
	tr.BitsPerSecond, tr.Bytes = res.End.SumReceived.BitsPerSecond, res.End.SumReceived.Bytes
	if udpRate > 0 {
		tr.BitsPerSecond = res.End.Sum.BitsPerSecond * (1 - res.End.Sum.LostPercent/100)
		tr.LostPercent = res.End.Sum.LostPercent
		tr.Bytes = res.End.Sum.Bytes * (1 - res.End.Sum.LostPercent/100)
	}
	return tr, nil
}

// busy recognises iperf3's refusals of a client while the server is still
// ending the previous test.
func busy(out string) bool {
	return strings.Contains(out, "server is busy") || strings.Contains(out, "unable to receive control message") ||
		strings.Contains(out, "unable to connect")
}
