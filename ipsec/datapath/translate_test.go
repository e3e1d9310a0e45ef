package datapath_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"net/netip"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/spd"
)

// onesSum is the ones' complement sum of b (RFC 1071), folded.
func onesSum(acc uint32, b []byte) uint16 {
	for i := 0; i+1 < len(b); i += 2 {
		acc += uint32(binary.BigEndian.Uint16(b[i:]))
	}
	if len(b)%2 == 1 {
		acc += uint32(b[len(b)-1]) << 8
	}
	for acc>>16 != 0 {
		acc = acc&0xffff + acc>>16
	}
	return uint16(acc)
}

// tcp4 builds an IPv4 TCP segment with correct checksums.
func tcp4(src, dst netip.Addr, sport, dport uint16, flags byte, payload string) []byte {
	p := make([]byte, 40+len(payload))
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	p[6], p[8], p[9] = 0x40, 64, 6
	copy(p[12:], src.AsSlice())
	copy(p[16:], dst.AsSlice())
	binary.BigEndian.PutUint16(p[20:], sport)
	binary.BigEndian.PutUint16(p[22:], dport)
	p[32], p[33] = 5<<4, flags
	binary.BigEndian.PutUint16(p[34:], 65535)
	copy(p[40:], payload)
	binary.BigEndian.PutUint16(p[10:], ^onesSum(0, p[:20]))
	binary.BigEndian.PutUint16(p[36:], ^tcpSum(p))
	return p
}

// tcpSum is the sum over the TCP pseudo-header and segment of p.
func tcpSum(p []byte) uint16 {
	var acc uint32
	for i := 12; i < 20; i += 2 {
		acc += uint32(binary.BigEndian.Uint16(p[i:]))
	}
	acc += 6 + uint32(len(p)-20)
	return onesSum(acc, p[20:])
}

// checkTCP4 fails unless p's IPv4 header and TCP checksums verify and its
// addresses are src and dst.
func checkTCP4(t *testing.T, p []byte, src, dst netip.Addr, what string) {
	t.Helper()
	if onesSum(0, p[:20]) != 0xffff || tcpSum(p) != 0xffff {
		t.Errorf("%s: checksums do not verify: %x", what, p)
	}
	if s, d := netip.AddrFrom4([4]byte(p[12:16])), netip.AddrFrom4([4]byte(p[16:20])); s != src || d != dst {
		t.Errorf("%s: %v → %v, want %v → %v", what, s, d, src, dst)
	}
}

func recvPacket(t *testing.T, s *side, what string) []byte {
	t.Helper()
	select {
	case p := <-s.dev.Received():
		return p
	case <-time.After(20 * time.Second):
		t.Fatalf("%s never arrived; stats %+v", what, s.e.Stats())
		return nil
	}
}

// trapPair is a with a trap policy (reqid 3) for 198.19.0.0/16 from any
// source and b with its Child SA installed; forA is a's side of that SA,
// whose selectors name innerA4 only, for the test to install.
func trapPair(t *testing.T, cfg datapath.Config) (a, b *side, forA datapath.ChildSA) {
	t.Helper()
	a, b = pairUp(t, cfg)
	forA, forB := childSAs(3, 0x1000, 0x2000, gcm128, 0, false)
	forA.Selectors = []spd.Selector{{Local: netip.PrefixFrom(innerA4, 32), Remote: netip.MustParsePrefix("198.19.0.0/16")}}
	forB.Selectors = []spd.Selector{{Local: forA.Selectors[0].Remote, Remote: forA.Selectors[0].Local}}
	if err := b.e.Install(forB); err != nil {
		t.Fatal(err)
	}
	trap := []spd.Selector{{Local: netip.MustParsePrefix("0.0.0.0/0"), Remote: netip.MustParsePrefix("198.19.0.0/16")}}
	if err := a.e.InstallTrap(3, trap); err != nil {
		t.Fatal(err)
	}
	return a, b, forA
}

// TestTranslateHeldFlows: packets a trap held that left with an address
// the new SA's selectors do not cover (the physical one, before the
// virtual IP was known) go out from the virtual IP with valid checksums,
// in order; the flow's later packets are translated too and its replies
// come back to the original address. A new flow from the old address is
// not translated, a held fragment is dropped and counted, and removing
// the trap ends the translation.
func TestTranslateHeldFlows(t *testing.T) {
	a, b, forA := trapPair(t, datapath.Config{})
	phys := netip.MustParseAddr("192.0.2.2")
	syn := tcp4(phys, innerB4, 40000, 80, 0x02, "")
	data := tcp4(phys, innerB4, 40000, 80, 0x18, "GET /")
	frag := udpPacket(phys, innerB4, 7, 100)
	frag[6] = 0x20 // More Fragments
	for _, p := range [][]byte{syn, data, frag} {
		a.dev.Inject(p)
	}
	select {
	case ev := <-a.e.Events():
		if ev.Kind != datapath.EventAcquire || ev.Flow.Src != phys {
			t.Fatalf("event %+v", ev)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no acquire")
	}
	// All three wait in the trap before the SA comes.
	for deadline := time.Now().Add(10 * time.Second); a.e.Stats().Held < 3; time.Sleep(time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the trap holds %d of the 3 packets", a.e.Stats().Held)
		}
	}
	if err := a.e.Install(forA); err != nil {
		t.Fatal(err)
	}
	got := recvPacket(t, b, "the held SYN")
	checkTCP4(t, got, innerA4, innerB4, "held SYN")
	if got[33] != 0x02 {
		t.Errorf("the SYN came second: flags %#x", got[33])
	}
	got = recvPacket(t, b, "the held data")
	checkTCP4(t, got, innerA4, innerB4, "held data")
	if !bytes.HasSuffix(got, []byte("GET /")) {
		t.Errorf("held data %q", got[40:])
	}

	// A later packet of the flow is translated, one of a new flow is not.
	a.dev.Inject(tcp4(phys, innerB4, 40001, 80, 0x02, ""))
	a.dev.Inject(tcp4(phys, innerB4, 40000, 80, 0x10, "more"))
	checkTCP4(t, recvPacket(t, b, "the flow's later packet"), innerA4, innerB4, "later packet")

	// The reply goes back to the address the flow started from.
	b.dev.Inject(tcp4(innerB4, innerA4, 80, 40000, 0x12, "reply"))
	checkTCP4(t, recvPacket(t, a, "the reply"), innerB4, phys, "reply")
	// Traffic of the virtual IP's own flows is left alone.
	b.dev.Inject(tcp4(innerB4, innerA4, 80, 50000, 0x12, "other"))
	checkTCP4(t, recvPacket(t, a, "another flow's packet"), innerB4, innerA4, "other flow")

	st := a.e.Stats()
	if st.Translated != 4 || st.Untranslated != 1 || st.Drops[sad.DropPolicy] != 2 {
		t.Errorf("translated %d, untranslated %d, policy drops %d; want 4, 1 (the fragment), 2 (it and the new flow)",
			st.Translated, st.Untranslated, st.Drops[sad.DropPolicy])
	}

	a.e.RemoveTrap(3)
	b.dev.Inject(tcp4(innerB4, innerA4, 80, 40000, 0x10, "late"))
	checkTCP4(t, recvPacket(t, a, "a reply after the trap went"), innerB4, innerA4, "after RemoveTrap")
}

// TestInstallDuringHeldFlow: a flow keeps sending while the SA that ends
// its trap is installed. Every packet arrives translated: none is routed
// between the policy's change and the release of the held ones, when its
// flow's translation is not yet known.
func TestInstallDuringHeldFlow(t *testing.T) {
	a, b, forA := trapPair(t, datapath.Config{Backpressure: true, AcquireQueue: 1024, AcquireTotal: 1024})
	phys := netip.MustParseAddr("192.0.2.2")
	const n = 400
	a.dev.Inject(tcp4(phys, innerB4, 40000, 80, 0x02, ""))
	select {
	case <-a.e.Events():
	case <-time.After(10 * time.Second):
		t.Fatal("no acquire")
	}
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		for i := range n {
			a.dev.Inject(tcp4(phys, innerB4, 40000, 80, 0x10, fmt.Sprintf("%04d", i)))
		}
	}()
	// Install once part of the flow is held and the rest still comes.
	for deadline := time.Now().Add(10 * time.Second); a.e.Stats().Held < n/8; time.Sleep(100 * time.Microsecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the trap holds %d packets", a.e.Stats().Held)
		}
	}
	if err := a.e.Install(forA); err != nil {
		t.Fatal(err)
	}
	<-sent
	for i := range 1 + n {
		checkTCP4(t, recvPacket(t, b, fmt.Sprintf("packet %d", i)), innerA4, innerB4, "flow")
		if t.Failed() {
			break
		}
	}
	if st := a.e.Stats(); st.Drops[sad.DropPolicy] != 0 {
		t.Errorf("%d packets of the flow dropped by policy", st.Drops[sad.DropPolicy])
	}
}
