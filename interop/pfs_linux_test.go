package interop

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// TestPFSProposalMatching rekeys the Child SA from both sides against
// strongSwan with each PFS policy of the gateway, and checks the proposal
// each rekey agrees on and what the gateway's log says of it. The
// expectations are strongSwan's own selection rules (NONE in a key
// exchange list is a choice, a side without methods accepts a list with
// NONE, the responder's preference decides).
func TestPFSProposalMatching(t *testing.T) {
	for _, tc := range []struct {
		name          string
		gwESP, cliESP string // cliESP "" for the default proposals
		// byClient and byGateway are the ESP proposal of the Child SA
		// after a rekey by the client and by the gateway, "" when it
		// must be refused.
		byClient, byGateway string
		// gwLog must appear in the gateway's log.
		gwLog string
	}{
		{name: "no PFS", gwESP: "aes128gcm16",
			byClient: "aes128gcm16-noesn", byGateway: "aes128gcm16-noesn",
			gwLog: "agreed on a non-PFS proposal"},
		{name: "optional PFS", gwESP: "aes128gcm16-x25519-ecp256-modp2048-modpnone",
			byClient: "aes128gcm16-x25519-noesn", byGateway: "aes128gcm16-x25519-noesn"},
		{name: "required PFS", gwESP: "aes256gcm16-ecp384",
			byClient: "aes256gcm16-ecp384-noesn", byGateway: "aes256gcm16-ecp384-noesn",
			gwLog: "unacceptable, requesting ECP_384"},
		{name: "client without PFS, optional PFS", gwESP: "aes128gcm16-x25519-ecp256-modp2048-modpnone", cliESP: "aes128gcm16",
			byClient: "aes128gcm16-noesn", byGateway: "aes128gcm16-noesn"},
		{name: "client requires PFS, gateway has none", gwESP: "aes128gcm16", cliESP: "aes128gcm16-x25519",
			gwLog: "no acceptable proposal found"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			conn := gatewayConn("psk")
			conn.ESPProposals = []string{tc.gwESP}
			top, gw := pskGateway(t, conn)
			cfg := clientConfig(t)
			cfg.PSK = []byte(psk)
			cfg.ESPProposals = nil
			if tc.cliESP != "" {
				cfg.ESPProposals = proposals(t, true, tc.cliESP)
			}
			c := startClient(t, top, cfg)
			est := next[*ike.Established](t, c, 30*time.Second)
			c.vip = est.VirtualIPs[0]
			c.ping(t, 1)

			c.d.RekeyChild()
			checkRekey(t, c, tc.byClient, false)
			c.ping(t, 2)
			if out, err := gw.Swanctl("--rekey", "--child", "rw"); err != nil {
				t.Fatalf("gateway child rekey: %v\n%s", err, out)
			}
			checkRekey(t, c, tc.byGateway, true)
			c.ping(t, 3)
			log := gw.Log()
			if tc.gwLog != "" && !strings.Contains(log, tc.gwLog) {
				t.Errorf("the gateway's log does not say %q", tc.gwLog)
			}
			if tc.byClient != "" && strings.Contains(log, "NO_PROPOSAL_CHOSEN") {
				t.Errorf("the gateway's log has NO_PROPOSAL_CHOSEN")
			}
			for _, l := range strings.Split(log, "\n") {
				if strings.Contains(l, "PFS") || strings.Contains(l, "unacceptable") || strings.Contains(l, "acceptable proposal") ||
					strings.Contains(l, "CREATE_CHILD_SA") || strings.Contains(l, "selected proposal") {
					t.Logf("gateway: %s", strings.TrimSpace(l))
				}
			}
		})
	}
}

// checkRekey waits for the outcome of a Child SA rekey: ChildRekeyed with
// the proposal want, or, when want is empty, ChildRekeyFailed naming
// NO_PROPOSAL_CHOSEN, sent by us (byGateway) or by the gateway.
func checkRekey(t *testing.T, c *client, want string, byGateway bool) {
	t.Helper()
	deadline := time.After(20 * time.Second)
	for {
		select {
		case ev := <-c.events:
			switch ev := ev.(type) {
			case *ike.ChildRekeyed:
				if want == "" || ev.New.ESPProposal != want {
					t.Fatalf("rekeyed with %q, want %q", ev.New.ESPProposal, want)
				}
				return
			case *ike.ChildRekeyFailed:
				var re *ike.RekeyError
				if want != "" || !errors.As(ev.Err, &re) || re.Notify != wire.NoProposalChosen || re.ByPeer != byGateway {
					t.Fatalf("rekey failed: %v, want %q", ev.Err, want)
				}
				return
			case *ike.Down:
				t.Fatalf("connection down: %v", ev.Err)
			}
		case <-deadline:
			t.Fatalf("no outcome of the rekey within 20s, want %q", want)
		}
	}
}
