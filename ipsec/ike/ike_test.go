package ike_test

import (
	"slices"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike"
)

func TestPSKEstablish(t *testing.T) {
	cli, gw := pskConfigs(t)
	p := &pair{cliCfg: cli, gwCfg: gw}
	p.start(t)
	ce := next[*ike.Established](t, p.cli)
	ge := next[*ike.Established](t, p.gw)
	if ce.IKEProposal != ge.IKEProposal || ce.ESPProposal != ge.ESPProposal {
		t.Fatalf("proposals differ: %s/%s vs %s/%s", ce.IKEProposal, ce.ESPProposal, ge.IKEProposal, ge.ESPProposal)
	}
	if len(ce.VirtualIPs) != 1 || ce.VirtualIPs[0] != pool4.Addr().Next() {
		t.Fatalf("virtual IPs %v", ce.VirtualIPs)
	}
	if !slices.Equal(ce.DNS, gw.DNS) {
		t.Fatalf("DNS %v", ce.DNS)
	}
	if !ce.RemoteNAT || ce.Remote.Port() != 4500 {
		t.Fatalf("forced encapsulation did not move to 4500: remote %v nat %v", ce.Remote, ce.RemoteNAT)
	}
	if ce.Child.InSPI != ge.Child.OutSPI || ce.Child.OutSPI != ge.Child.InSPI {
		t.Fatalf("SPIs do not pair: %+v %+v", ce.Child, ge.Child)
	}
	if len(ce.Child.LocalTS) != 1 || ce.Child.LocalTS[0].Addr() != ce.VirtualIPs[0] || ce.Child.RemoteTS[0] != lan {
		t.Fatalf("selectors %v %v", ce.Child.LocalTS, ce.Child.RemoteTS)
	}
	if ce.RemoteID != "gw.example.test" || ge.RemoteID != "client@example.test" {
		t.Fatalf("identities %q %q", ce.RemoteID, ge.RemoteID)
	}
}
