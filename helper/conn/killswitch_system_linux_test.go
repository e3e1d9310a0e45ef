package conn

import (
	"context"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/platform/linux"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// tcpdump captures what leaves eth0 of ns until the returned function is
// called, which returns the packets as tcpdump prints them.
func tcpdump(t *testing.T, ns *testnet.Namespace) func() string {
	t.Helper()
	dir := t.TempDir()
	pcap, log := filepath.Join(dir, "out.pcap"), filepath.Join(dir, "tcpdump.log")
	p := testnet.Start(t, ns.Command("tcpdump", "-i", "eth0", "-n", "--immediate-mode", "-U", "-Q", "out", "-w", pcap), log)
	for deadline := time.Now().Add(10 * time.Second); ; {
		if b, _ := os.ReadFile(log); strings.Contains(string(b), "listening on") {
			break
		}
		if time.Now().After(deadline) || p.Exited() {
			t.Fatal("tcpdump did not start")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return func() string {
		time.Sleep(300 * time.Millisecond)
		p.Stop(5 * time.Second)
		out, err := ns.Run("tcpdump", "-r", pcap, "-n")
		if err != nil {
			t.Fatalf("read capture: %v", err)
		}
		return out
	}
}

// sendProtected writes a datagram to a protected host from inside ns.
func sendProtected(t *testing.T, ns *testnet.Namespace) {
	t.Helper()
	err := ns.Do(func() error {
		c, err := net.Dial("udp", "198.51.100.7:9")
		if err != nil {
			return err
		}
		defer c.Close()
		c.Write([]byte("cleartext"))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestSystemManagerKillSwitch joins the Manager to the Linux kill switch
// in a namespace: while a dropped connection reconnects, nothing for its
// remote selectors leaves eth0; after a crash a new Manager resumes it
// under the same block; Disconnect lifts the block, after which the same
// packet does leave.
func TestSystemManagerKillSwitch(t *testing.T) {
	testnet.RequireRoot(t, "tcpdump", "nft")
	client := testnet.NewNamespace(t, "conn")
	peer := testnet.NewNamespace(t, "gw")
	testnet.Link(t, client, "eth0", peer, "eth1")
	client.Addr("eth0", "192.0.2.2/24")
	peer.Addr("eth1", "192.0.2.1/24")
	client.MustRun("ip", "route", "add", "default", "via", "192.0.2.1")

	state := t.TempDir()
	newKillSwitch := func() *linux.KillSwitch {
		var ks *linux.KillSwitch
		err := client.Do(func() error {
			n, err := linux.New(linux.Options{StateDir: state})
			if err != nil {
				return err
			}
			ks, err = n.KillSwitch()
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { ks.Close() })
		return ks
	}
	ks := newKillSwitch()
	t.Cleanup(func() { ks.Release("work") })

	p := profile("work")
	p.KillSwitch = true
	p.RemoteTS = []string{"198.51.100.0/24"}
	d := &fakeDialer{}
	m := NewManager(d, nopLog{}, DefaultRetryPolicy, WithKillSwitch(session.NewKillSwitch(ks)))
	defer m.Close(context.Background())
	m.SetProfile("work", p.Gateway)
	s := newFakeSession()
	d.push(dialResult{s: s})
	m.Connect(p)
	if _, err := m.Wait(context.Background(), "work"); err != nil {
		t.Fatal(err)
	}
	// The gateway goes away; every attempt fails.
	for range 20 {
		d.push(dialResult{err: errors.New("gateway unreachable")})
	}
	s.drop(errors.New("peer did not answer dead peer detection"))
	for deadline := time.Now().Add(5 * time.Second); ; {
		if st, _ := m.StatusOf("work"); st.State == api.StateReconnecting {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("not reconnecting")
		}
		time.Sleep(10 * time.Millisecond)
	}
	stop := tcpdump(t, client)
	sendProtected(t, client)
	if out := stop(); strings.Contains(out, "> 198.51.100.7") {
		t.Errorf("cleartext left while reconnecting:\n%s", out)
	}

	// A new helper process starts while the first lies dead (it sits in
	// its backoff, touching nothing, as a killed process would): the new
	// Manager finds the block and resumes the connection under it.
	ks2 := newKillSwitch()
	m2 := NewManager(&fakeDialer{}, nopLog{}, DefaultRetryPolicy, WithKillSwitch(session.NewKillSwitch(ks2)))
	defer m2.Close(context.Background())
	m2.SetProfile("work", p.Gateway)
	if got, err := m2.Resume([]api.Profile{p}); err != nil || len(got) != 1 {
		t.Fatalf("Resume = %v, %v", got, err)
	}
	if st, _ := m2.StatusOf("work"); st.State != api.StateReconnecting {
		t.Errorf("resumed as %s", st.State)
	}
	if _, err := client.Run("nft", "list", "table", "inet", "espresso-work"); err != nil {
		t.Fatalf("block gone after the crash: %v", err)
	}

	// The user disconnects: the block goes, and the packet leaves.
	if err := m2.Disconnect(context.Background(), "work"); err != nil {
		t.Fatal(err)
	}
	if _, err := client.Run("nft", "list", "table", "inet", "espresso-work"); err == nil {
		t.Error("block left after Disconnect")
	}
	stop = tcpdump(t, client)
	sendProtected(t, client)
	if out := stop(); !strings.Contains(out, "> 198.51.100.7") {
		t.Errorf("without the block the capture saw nothing; it could not have seen a leak:\n%s", out)
	}
}
