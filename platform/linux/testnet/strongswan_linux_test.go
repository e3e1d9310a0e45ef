package testnet

import (
	"strings"
	"testing"
	"time"
)

// TestStrongSwanPair checks the harness itself: a strongSwan client and gateway,
// both with kernel-libipsec, bring up a tunnel with a virtual IP and carry a
// ping from the client to the LAN host, through the NAT as well.
func TestStrongSwanPair(t *testing.T) {
	for _, nat := range []bool{false, true} {
		name := "direct"
		if nat {
			name = "nat"
		}
		t.Run(name, func(t *testing.T) {
			top := NewTopology(t, Options{NAT: nat})
			secrets := []Secret{{Kind: "ike", IDs: []string{"gw.example.test", "client@example.test"}, Secret: "test-psk-0123456789"}}
			gw := StartCharon(t, top.Gateway, CharonConfig{
				Conns: []Conn{{
					Name: "rw", LocalAuth: "psk", RemoteAuth: "psk",
					LocalID: "gw.example.test", LocalTS: []string{LANV4.String()},
					Pools: []string{"v4"},
				}},
				Secrets: secrets,
				DNS:     []string{DNSV4.String()},
			})
			cli := StartCharon(t, top.Client, CharonConfig{
				Conns: []Conn{{
					Name: "home", LocalAuth: "psk", RemoteAuth: "psk",
					LocalID: "client@example.test", RemoteID: "gw.example.test",
					RemoteAddrs: GatewayV4.String(), VIPs: []string{"0.0.0.0"},
					RemoteTS: []string{LANV4.String()},
				}},
				Secrets: secrets,
			})
			if out, err := cli.Swanctl("--initiate", "--child", "home", "--timeout", "20"); err != nil {
				t.Fatalf("initiate: %v\n%s", err, out)
			}
			sas := gw.ListSAs()
			if !strings.Contains(sas, "ESTABLISHED") || !strings.Contains(sas, "INSTALLED") {
				t.Fatalf("gateway lists no established SA:\n%s", sas)
			}
			// kernel-libipsec routes the LAN through its TUN device in table 220.
			var err error
			for i := 0; i < 5; i++ {
				if _, err = top.Client.Run("ping", "-c", "1", "-W", "2", LANHostV4.String()); err == nil {
					break
				}
				time.Sleep(200 * time.Millisecond)
			}
			if err != nil {
				t.Fatalf("no ping through the tunnel: %v\nclient SAs:\n%s", err, cli.ListSAs())
			}
			// The client also has a plain route to the LAN: the gateway's counters
			// prove the ping went through the tunnel.
			if in, _ := ChildPackets(gw.ListSAs()); in == 0 {
				t.Fatalf("the gateway's Child SA counted no packets:\n%s", gw.ListSAs())
			}
		})
	}
}
