package spd

import (
	"bytes"
	"fmt"
	"net/netip"
	"testing"
)

func sel(local, remote string) Selector {
	return Selector{Local: netip.MustParsePrefix(local), Remote: netip.MustParsePrefix(remote)}
}

func flow(src, dst string, proto uint8, sp, dp uint16) Flow {
	return Flow{Src: netip.MustParseAddr(src), Dst: netip.MustParseAddr(dst), Proto: proto, SrcPort: sp, DstPort: dp}
}

func TestLongestPrefixMatch(t *testing.T) {
	var tab Table[string]
	tab.Add(sel("0.0.0.0/0", "0.0.0.0/0"), "default")
	tab.Add(sel("198.18.0.1/32", "203.0.113.0/24"), "lan")
	tab.Add(sel("198.18.0.1/32", "203.0.113.128/25"), "half")
	web := sel("198.18.0.1/32", "203.0.113.0/24")
	web.Proto, web.RemotePorts = protoTCP, PortRange{443, 443}
	tab.Add(web, "web")
	tab.Add(sel("::/0", "2001:db8::/32"), "v6")
	tab.Add(sel("2001:db8:1::/48", "2001:db8:2::/48"), "v6narrow")

	cases := []struct {
		f    Flow
		want string
	}{
		{flow("198.18.0.1", "203.0.113.5", 1, 0, 0), "lan"},
		{flow("198.18.0.1", "203.0.113.5", protoTCP, 5000, 443), "web"},
		{flow("198.18.0.1", "203.0.113.5", protoTCP, 5000, 80), "lan"},
		{flow("198.18.0.1", "203.0.113.200", protoUDP, 1, 2), "half"},
		{flow("198.18.0.2", "203.0.113.200", protoUDP, 1, 2), "default"},
		{flow("192.0.2.1", "198.51.100.1", 1, 0, 0), "default"},
		{flow("2001:db8:1::1", "2001:db8:2::1", 58, 0, 0), "v6narrow"},
		{flow("2001:db8:9::1", "2001:db8:2::1", 58, 0, 0), "v6"},
		{flow("2001:db8:9::1", "2001:db9::1", 58, 0, 0), ""},
	}
	for _, c := range cases {
		got, _ := tab.Lookup(c.f)
		if got != c.want {
			t.Errorf("Lookup(%+v) = %q, want %q", c.f, got, c.want)
		}
	}
	tab.RemoveValue("lan")
	if got, _ := tab.Lookup(cases[0].f); got != "default" {
		t.Errorf("after removal: %q", got)
	}
	if tab.Len() != 5 {
		t.Errorf("Len = %d", tab.Len())
	}
}

func TestManyPolicies(t *testing.T) {
	var tab Table[int]
	for i := range 10000 {
		tab.Add(sel("198.18.0.1/32", fmt.Sprintf("198.19.%d.%d/32", i/256, i%256)), i)
	}
	for i := range 10000 {
		got, ok := tab.Lookup(flow("198.18.0.1", fmt.Sprintf("198.19.%d.%d", i/256, i%256), 17, 1, 1))
		if !ok || got != i {
			t.Fatalf("policy %d: got %d, %v", i, got, ok)
		}
	}
}

func TestRemove(t *testing.T) {
	var tab Table[string]
	host := sel("198.18.0.1/32", "203.0.113.7/32")
	lan := sel("198.18.0.1/32", "203.0.113.0/24")
	tab.Add(host, "host")
	tab.Add(lan, "lan")
	f := flow("198.18.0.1", "203.0.113.7", 17, 1, 1)
	if got, _ := tab.Lookup(f); got != "host" {
		t.Fatalf("host route not preferred: %q", got)
	}
	if tab.Remove(host, "lan") || tab.Remove(sel("198.18.0.1/32", "203.0.113.0/25"), "lan") {
		t.Fatal("removed a selector that was not added")
	}
	if !tab.Remove(host, "host") || tab.Len() != 1 {
		t.Fatal("host selector not removed")
	}
	if got, _ := tab.Lookup(f); got != "lan" {
		t.Fatalf("after removing the host route: %q", got)
	}
	if !tab.Remove(lan, "lan") || tab.Len() != 0 {
		t.Fatal("prefix selector not removed")
	}
	if _, ok := tab.Lookup(f); ok {
		t.Fatal("lookup in an empty table succeeded")
	}
}

func TestInbound(t *testing.T) {
	s := sel("198.18.0.1/32", "203.0.113.0/24")
	s.Proto, s.RemotePorts = protoUDP, PortRange{53, 53}
	if !s.Inbound(flow("203.0.113.53", "198.18.0.1", protoUDP, 53, 4000)) {
		t.Error("reply from the DNS server refused")
	}
	if s.Inbound(flow("203.0.113.53", "198.18.0.2", protoUDP, 53, 4000)) {
		t.Error("packet to another address accepted")
	}
	if s.Inbound(flow("203.0.113.53", "198.18.0.1", protoUDP, 54, 4000)) {
		t.Error("packet from another port accepted")
	}
}

func TestRangePrefixes(t *testing.T) {
	cases := []struct{ from, to, want string }{
		{"0.0.0.0", "255.255.255.255", "[0.0.0.0/0]"},
		{"192.0.2.0", "192.0.2.255", "[192.0.2.0/24]"},
		{"192.0.2.1", "192.0.2.6", "[192.0.2.1/32 192.0.2.2/31 192.0.2.4/31 192.0.2.6/32]"},
		{"::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "[::/0]"},
		{"2001:db8::", "2001:db8::1", "[2001:db8::/127]"},
	}
	for _, c := range cases {
		got := fmt.Sprint(RangePrefixes(netip.MustParseAddr(c.from), netip.MustParseAddr(c.to)))
		if got != c.want {
			t.Errorf("RangePrefixes(%s, %s) = %s, want %s", c.from, c.to, got, c.want)
		}
	}
	if RangePrefixes(netip.MustParseAddr("192.0.2.9"), netip.MustParseAddr("192.0.2.1")) != nil {
		t.Error("reversed range accepted")
	}
}

func TestParseFlow(t *testing.T) {
	v4 := []byte{0x45, 0, 0, 28, 0, 0, 0, 0, 64, 17, 0, 0, 192, 0, 2, 1, 198, 51, 100, 2, 0x30, 0x39, 0, 53, 0, 8, 0, 0}
	f, ok := ParseFlow(v4)
	if !ok || f != flow("192.0.2.1", "198.51.100.2", 17, 12345, 53) {
		t.Errorf("v4: %+v %v", f, ok)
	}
	v4[6] = 0x00
	v4[7] = 0x10 // fragment offset: no ports
	if f, _ := ParseFlow(v4); f.SrcPort != 0 || f.DstPort != 0 {
		t.Errorf("fragment has ports %+v", f)
	}
	if _, ok := ParseFlow(v4[:10]); ok {
		t.Error("short packet parsed")
	}
	v6 := make([]byte, 44)
	v6[0] = 0x60
	v6[6] = protoTCP
	copy(v6[8:], netip.MustParseAddr("2001:db8::1").AsSlice())
	copy(v6[24:], netip.MustParseAddr("2001:db8::2").AsSlice())
	v6[40], v6[41], v6[42], v6[43] = 0, 80, 1, 0
	if f, ok := ParseFlow(v6); !ok || f != flow("2001:db8::1", "2001:db8::2", protoTCP, 80, 256) {
		t.Errorf("v6: %+v %v", f, ok)
	}
	// Hop-by-Hop and Destination Options headers before UDP: the selector
	// sees UDP and its ports (RFC 4301 §4.4.1.1).
	ext := append(bytes.Clone(v6[:40]), 60, 0, 1, 4, 0, 0, 0, 0, protoUDP, 0, 1, 4, 0, 0, 0, 0, 0x13, 0x88, 0, 53)
	ext[6] = 0
	if f, ok := ParseFlow(ext); !ok || f != flow("2001:db8::1", "2001:db8::2", protoUDP, 5000, 53) {
		t.Errorf("v6 with extension headers: %+v %v", f, ok)
	}
	// A later fragment has no ports to read.
	frag := append(bytes.Clone(v6[:40]), protoUDP, 0, 0, 0x10, 0, 0, 0, 1, 0x13, 0x88, 0, 53)
	frag[6] = 44
	if f, ok := ParseFlow(frag); !ok || f != flow("2001:db8::1", "2001:db8::2", protoUDP, 0, 0) {
		t.Errorf("v6 later fragment: %+v %v", f, ok)
	}
}

// BenchmarkLookup looks up flows spread over every policy of a table of 1
// or 10,000 host policies (one per SA, as in the two-engine benchmark), so
// the cost of a cold path through the table shows.
func BenchmarkLookup(b *testing.B) {
	for _, n := range []int{1, 10000} {
		b.Run(fmt.Sprintf("policies=%d", n), func(b *testing.B) {
			var tab Table[int]
			flows := make([]Flow, n)
			for i := range n {
				dst := fmt.Sprintf("198.19.%d.%d", i/256, i%256)
				tab.Add(sel("198.18.0.0/16", dst+"/32"), i)
				flows[i] = flow("198.18.0.1", dst, 17, 1, 1)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, ok := tab.Lookup(flows[i]); !ok {
					b.Fatal("no policy")
				}
				if i++; i == n {
					i = 0
				}
			}
		})
	}
}

// BenchmarkLookupPrefix is the same with a /24 per policy, found in the trie.
func BenchmarkLookupPrefix(b *testing.B) {
	for _, n := range []int{1, 10000} {
		b.Run(fmt.Sprintf("policies=%d", n), func(b *testing.B) {
			var tab Table[int]
			flows := make([]Flow, n)
			for i := range n {
				tab.Add(sel("198.18.0.0/16", fmt.Sprintf("10.%d.%d.0/24", i/256, i%256)), i)
				flows[i] = flow("198.18.0.1", fmt.Sprintf("10.%d.%d.9", i/256, i%256), 17, 1, 1)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, ok := tab.Lookup(flows[i]); !ok {
					b.Fatal("no policy")
				}
				if i++; i == n {
					i = 0
				}
			}
		})
	}
}
