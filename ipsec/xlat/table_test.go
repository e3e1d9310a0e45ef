package xlat

import (
	"net/netip"
	"testing"
)

// TestTable: a flow is found by what the system sends and, for the reply,
// by what goes on the wire; the table keeps at most its size and refuses
// a second flow that would look the same on the wire.
func TestTable(t *testing.T) {
	phys, vip := netip.MustParseAddr("192.0.2.2"), netip.MustParseAddr("198.18.0.1")
	remote := netip.MustParseAddrPort("203.0.113.10:80")
	f := Flow{Proto: protoTCP, Local: netip.AddrPortFrom(phys, 40000), Remote: remote}
	tab := NewTable(2)
	if tab.Len() != 0 || !tab.Add(f, vip) || !tab.Add(f, vip) || tab.Len() != 1 {
		t.Fatalf("adding one flow twice: len %d", tab.Len())
	}
	if a, ok := tab.Out(f); !ok || a != vip {
		t.Errorf("Out = %v %v", a, ok)
	}
	wire := Flow{Proto: protoTCP, Local: netip.AddrPortFrom(vip, 40000), Remote: remote}
	if a, ok := tab.In(wire); !ok || a != phys {
		t.Errorf("In = %v %v", a, ok)
	}
	if _, ok := tab.In(f); ok {
		t.Error("the system's own flow found as a reply")
	}
	other := netip.MustParseAddr("192.0.2.3")
	clash := Flow{Proto: protoTCP, Local: netip.AddrPortFrom(other, 40000), Remote: remote}
	if tab.Add(clash, vip) {
		t.Error("a second flow with the same flow on the wire was taken")
	}
	f2 := Flow{Proto: protoUDP, Local: netip.AddrPortFrom(phys, 5353), Remote: remote}
	f3 := Flow{Proto: protoUDP, Local: netip.AddrPortFrom(phys, 5354), Remote: remote}
	if !tab.Add(f2, vip) || tab.Add(f3, vip) || tab.Len() != 2 {
		t.Errorf("size 2 took %d flows", tab.Len())
	}
	tab.Clear()
	if _, ok := tab.Out(f); ok || tab.Len() != 0 {
		t.Error("Clear left flows")
	}
}
