package e2e

import (
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// TestConnect brings a profile up with `espressoctl up`, with a
// pre-shared key, with certificates, with EAP-MSCHAPv2 and EAP-TLS,
// directly and through a NAT, and
// checks what a user relies on: the status, DNS, ping and TCP both ways
// between the virtual IP and the LAN host, the gateway's Child SA, and a
// system exactly as before once `down` returns.
func TestConnect(t *testing.T) {
	for _, tc := range []struct {
		name string
		nat  bool
		auth string
	}{
		{"psk", false, api.AuthPSK},
		{"cert", false, api.AuthCert},
		{"cert-p12", false, "p12"},
		{"eap-mschapv2", false, api.AuthEAPMSCHAPv2},
		{"eap-tls", false, api.AuthEAPTLS},
		{"psk-nat", true, api.AuthPSK},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := newRig(t, tc.nat)
			p := lab.PSKProfile("work")
			switch tc.auth {
			case api.AuthCert:
				p = r.gw.CertProfile("work")
			case "p12":
				p = r.gw.P12Profile(t, "work", "p12-test-password")
			case api.AuthEAPMSCHAPv2:
				p = r.gw.EAPProfile("work")
			case api.AuthEAPTLS:
				p = r.gw.EAPTLSProfile("work")
			}
			r.h.Import(p)
			before := r.state(t)
			if _, err := r.top.Client.Run("ping", "-c", "1", "-W", "1", testnet.LANHostV4.String()); err == nil {
				t.Fatal("the LAN host answers without a tunnel; the test could not tell")
			}

			if out := r.up(t, "work"); !strings.Contains(out, "connected") {
				t.Errorf("up printed %q", out)
			}
			st, err := r.h.Status("work")
			if err != nil {
				t.Fatal(err)
			}
			vip := checkStatus(t, st, tc.nat)
			if b, _ := r.state(t)["resolv.conf"]; !strings.Contains(b, testnet.DNSV4.String()) {
				t.Errorf("the gateway's DNS server is not in the resolver file:\n%s", b)
			}

			checkTraffic(t, r, vip)
			if in, out := testnet.ChildPackets(r.gw.ListSAs()); in == 0 || out == 0 {
				t.Errorf("the gateway's Child SA counted %d packets in, %d out:\n%s", in, out, r.gw.ListSAs())
			}
			if st, _ := r.h.Status("work"); st.PacketsIn == 0 || st.PacketsOut == 0 || st.BytesIn == 0 || st.BytesOut == 0 {
				t.Errorf("the status counted no traffic: %+v", st)
			}

			r.h.MustCtl("down", "work")
			if d := before.Diff(r.state(t)); d != "" {
				t.Errorf("down left the system changed:\n%s", d)
			}
			waitGatewayClean(t, r.gw)
		})
	}
}

// checkStatus checks `status --json` of a connected profile and returns
// its virtual IP.
func checkStatus(t *testing.T, st api.ConnectionStatus, nat bool) netip.Addr {
	t.Helper()
	if st.State != api.StateConnected || len(st.VirtualIPs) != 1 {
		t.Fatalf("status %+v", st)
	}
	vip, err := netip.ParseAddr(st.VirtualIPs[0])
	if err != nil || !testnet.PoolV4.Contains(vip) {
		t.Fatalf("virtual IP %q is not from the pool %v", st.VirtualIPs[0], testnet.PoolV4)
	}
	if st.Gateway != testnet.GatewayV4.String() || st.IKEProposal == "" || st.ESPProposal == "" ||
		st.Encapsulation != api.EncapsulationUDP || st.EstablishedAt == nil || st.LastError != "" {
		t.Errorf("status %+v", st)
	}
	if len(st.DNS) != 1 || st.DNS[0] != testnet.DNSV4.String() {
		t.Errorf("DNS %v, want the gateway's %v", st.DNS, testnet.DNSV4)
	}
	if len(st.RemoteTS) != 1 || st.RemoteTS[0] != testnet.LANV4.String() {
		t.Errorf("remote selectors %v", st.RemoteTS)
	}
	if st.NATDetected != nat {
		t.Errorf("NAT detected %v, want %v", st.NATDetected, nat)
	}
	return vip
}

// checkTraffic pings from the virtual IP to the LAN host and back, and
// runs a short TCP transfer each way.
func checkTraffic(t *testing.T, r *rig, vip netip.Addr) {
	t.Helper()
	if out, err := r.top.Client.Run("ping", "-c", "3", "-i", "0.2", "-W", "2", "-I", vip.String(), testnet.LANHostV4.String()); err != nil {
		t.Errorf("ping from the virtual IP to the LAN host: %v\n%s", err, out)
	}
	if out, err := r.top.LAN.Run("ping", "-c", "3", "-i", "0.2", "-W", "2", vip.String()); err != nil {
		t.Errorf("ping from the LAN host to the virtual IP: %v\n%s", err, out)
	}
	for _, reverse := range []bool{false, true} {
		tr, err := lab.IPerf(r.top.Client, testnet.LANHostV4, vip, 2*time.Second, reverse, 0)
		t.Logf("iperf3 %s through the tunnel: %.0f Mbit/s", tr.Kind, tr.BitsPerSecond/1e6)
		if err != nil || tr.BitsPerSecond < 1e6 {
			t.Errorf("iperf3 %s: %.0f bit/s, %v", tr.Kind, tr.BitsPerSecond, err)
		}
	}
}

// waitGatewayClean waits for the gateway to drop the IKE SA after the
// client's delete.
func waitGatewayClean(t *testing.T, gw *lab.Gateway) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); strings.Contains(gw.ListSAs(), "ESTABLISHED"); {
		if time.Now().After(deadline) {
			t.Errorf("the gateway still lists the IKE SA after down:\n%s", gw.ListSAs())
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestGatewayByName: a profile naming its gateway by host name connects:
// the helper resolves it (through the marked resolver) and expects the
// gateway to prove that name.
func TestGatewayByName(t *testing.T) {
	r := newRig(t, false)
	lab.StartDNS(t, r.top.Gateway, testnet.GatewayV4, map[string]netip.Addr{lab.GatewayID: testnet.GatewayV4})
	p := lab.PSKProfile("work")
	p.Gateway, p.RemoteID = lab.GatewayID, ""
	r.h.Import(p)
	r.up(t, "work")
	if st, err := r.h.Status("work"); err != nil || st.State != api.StateConnected || st.Gateway != lab.GatewayID {
		t.Errorf("status %+v, %v", st, err)
	}
	if out, err := r.top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no ping through the tunnel: %v\n%s", err, out)
	}
	r.h.MustCtl("down", "work")
}
