package e2e

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// forger is an attacker on the gateway's network: it sees the client's
// IKE_SA_INIT request on the wire and sends IKE_SA_INIT responses with any
// source address, as anyone on the path can.
type forger struct {
	sniff, raw int
}

// newForger opens a packet socket that sees every IPv4 packet of ns and a
// raw socket that sends IPv4 packets with their own header, both in ns.
func newForger(t *testing.T, ns *testnet.Namespace) *forger {
	t.Helper()
	f := &forger{sniff: -1, raw: -1}
	err := ns.Do(func() error {
		var err error
		proto := int(htons(unix.ETH_P_IP))
		if f.sniff, err = unix.Socket(unix.AF_PACKET, unix.SOCK_DGRAM, proto); err != nil {
			return fmt.Errorf("packet socket: %w", err)
		}
		tv := unix.Timeval{Usec: 200_000}
		if err := unix.SetsockoptTimeval(f.sniff, unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
			return err
		}
		if f.raw, err = unix.Socket(unix.AF_INET, unix.SOCK_RAW, unix.IPPROTO_RAW); err != nil {
			return fmt.Errorf("raw socket: %w", err)
		}
		return nil
	})
	t.Cleanup(func() {
		for _, fd := range []int{f.sniff, f.raw} {
			if fd >= 0 {
				unix.Close(fd)
			}
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

// initRequest waits up to within for an IKE_SA_INIT request from client
// to UDP port 500 whose initiator's SPI is not skip, and returns that SPI
// and the address and port the request came from; ok is false when none
// came.
func (f *forger) initRequest(t *testing.T, client netip.Addr, skip uint64, within time.Duration) (spi uint64, from netip.AddrPort, ok bool) {
	t.Helper()
	buf := make([]byte, 65536)
	for deadline := time.Now().Add(within); time.Now().Before(deadline); {
		n, _, err := unix.Recvfrom(f.sniff, buf, 0)
		if err != nil {
			if errors.Is(err, unix.EAGAIN) || errors.Is(err, unix.EINTR) {
				continue
			}
			t.Fatalf("sniffing: %v", err)
		}
		p := buf[:n]
		if len(p) < 20 || p[0]>>4 != 4 || p[9] != unix.IPPROTO_UDP {
			continue
		}
		ihl := int(p[0]&0x0f) * 4
		src, _ := netip.AddrFromSlice(p[12:16])
		if src != client || len(p) < ihl+8+wire.HeaderLen || binary.BigEndian.Uint16(p[ihl+2:]) != 500 {
			continue
		}
		h, err := wire.ParseHeader(p[ihl+8:])
		if err == nil && h.ExchangeType == wire.IKESAInit && !h.IsResponse() && h.SPIi != skip {
			return h.SPIi, netip.AddrPortFrom(src, binary.BigEndian.Uint16(p[ihl:])), true
		}
	}
	return 0, netip.AddrPort{}, false
}

// send sends payload in a UDP datagram from src to dst, with an IPv4
// header of its own making.
func (f *forger) send(t *testing.T, src, dst netip.AddrPort, payload []byte) {
	t.Helper()
	udpLen := 8 + len(payload)
	p := make([]byte, 20+udpLen)
	p[0] = 0x45
	binary.BigEndian.PutUint16(p[2:], uint16(len(p)))
	p[8] = 64
	p[9] = unix.IPPROTO_UDP
	s4, d4 := src.Addr().As4(), dst.Addr().As4()
	copy(p[12:16], s4[:])
	copy(p[16:20], d4[:])
	var sum uint32
	for i := 0; i < 20; i += 2 {
		sum += uint32(binary.BigEndian.Uint16(p[i:]))
	}
	for sum > 0xffff {
		sum = sum&0xffff + sum>>16
	}
	binary.BigEndian.PutUint16(p[10:], ^uint16(sum))
	binary.BigEndian.PutUint16(p[20:], src.Port())
	binary.BigEndian.PutUint16(p[22:], dst.Port())
	binary.BigEndian.PutUint16(p[24:], uint16(udpLen)) // checksum 0: none (RFC 768)
	copy(p[28:], payload)
	if err := unix.Sendto(f.raw, p, 0, &unix.SockaddrInet4{Addr: d4}); err != nil {
		t.Fatalf("sending the forged response from %v: %v", src, err)
	}
}

// noProposalChosen is the gateway's refusal of every IKE proposal as an
// IKE_SA_INIT response to the request with SPIi spi (RFC 7296 §2.21.1).
func noProposalChosen(t *testing.T, spi uint64) []byte {
	t.Helper()
	m := wire.Message{
		Header: wire.Header{
			SPIi: spi, MajorVersion: wire.MajorVersion,
			ExchangeType: wire.IKESAInit, Flags: wire.FlagResponse,
		},
		Payloads: wire.Payloads{wire.NewNotify(wire.NoProposalChosen, nil)},
	}
	b, err := m.AppendTo(nil)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestForgedIKEError: while the helper connects to the gateway, an
// attacker who saw its IKE_SA_INIT request answers it with
// NO_PROPOSAL_CHOSEN carrying the client's SPI: first a member of the
// espresso group on the client's machine, without privileges, from an
// ordinary UDP socket; then an attacker on the path, from the gateway's
// own address and port, from another address and from another port. The
// gateway's firewall holds the first request back so that the forgeries
// come first. None of them ends the attempt (RFC 7296 §2.21.1): the
// helper's retransmission reaches the gateway and `up` succeeds.
func TestForgedIKEError(t *testing.T) {
	grp := espressoGroup(t)
	r := newRig(t, false)
	m := newMember(t, r.h, grp, "f")
	r.h.Import(lab.PSKProfile("work"))
	f := newForger(t, r.top.Gateway)
	holdIKE(t, r.top.Gateway)

	type result struct {
		out string
		err error
	}
	done := make(chan result, 1)
	go func() {
		out, err := r.h.Ctl("up", "work")
		done <- result{out, err}
	}()
	spi, client, ok := f.initRequest(t, testnet.ClientV4, 0, 20*time.Second)
	if !ok {
		t.Fatal("no IKE_SA_INIT request from the client within 20s")
	}
	forged := noProposalChosen(t, spi)
	m.sendUDP(t, r.top.Client, client, forged)
	for _, src := range []netip.AddrPort{
		netip.AddrPortFrom(testnet.GatewayV4, 500),
		netip.MustParseAddrPort("198.51.100.66:500"),
		netip.AddrPortFrom(testnet.GatewayV4, 501),
	} {
		f.send(t, src, client, forged)
	}
	// Let the forgeries arrive and then the retransmission through.
	time.Sleep(500 * time.Millisecond)
	releaseIKE(r.top.Gateway)

	select {
	case res := <-done:
		if res.err != nil {
			if strings.Contains(res.out, "not available in this build") {
				t.Skipf("skipping: this espresso-helper has no IKEv2 initiator: %s", res.out)
			}
			t.Fatalf("up failed after forged NO_PROPOSAL_CHOSEN: %v\n%s", res.err, res.out)
		}
	case <-time.After(90 * time.Second):
		t.Fatal("up did not return within 90s")
	}
	st, err := r.h.Status("work")
	if err != nil || st.State != api.StateConnected {
		t.Fatalf("status %+v, %v; want connected", st, err)
	}
	// The forgery from the gateway's address reached the client and was
	// noted, not ignored for want of arriving.
	if log := r.h.Log(); !strings.Contains(log, "unauthenticated refusal noted") {
		t.Errorf("the helper did not note the forged refusal:\n%s", log)
	}
	if out, err := r.top.Client.Run("ping", "-c", "2", "-i", "0.2", "-W", "2", testnet.LANHostV4.String()); err != nil {
		t.Errorf("no ping through the tunnel: %v\n%s", err, out)
	}
	r.h.MustCtl("down", "work")
}

// holdIKE makes the gateway's namespace drop every datagram to UDP port
// 500 before anything sees it but a packet socket: the gateway hears no
// IKE_SA_INIT and answers nothing, not even ICMP, until releaseIKE.
func holdIKE(t *testing.T, gw *testnet.Namespace) {
	t.Helper()
	gw.MustRun("nft", "add table inet forgedike")
	gw.MustRun("nft", "add chain inet forgedike in { type filter hook prerouting priority -300 ; }")
	gw.MustRun("nft", "add rule inet forgedike in udp dport 500 drop")
	t.Cleanup(func() { releaseIKE(gw) })
}

// releaseIKE lets IKE_SA_INIT through to the gateway again.
func releaseIKE(gw *testnet.Namespace) {
	gw.Run("nft", "delete table inet forgedike")
}

// TestForgedIKEErrorDuringReconnect: once the gateway deleted the IKE SA,
// the helper reconnects by itself, and the attacker answers its
// IKE_SA_INIT with NO_PROPOSAL_CHOSEN from the gateway's address while
// the gateway itself does not answer. The attempt fails when its
// retransmissions run out, but the helper keeps reconnecting: the status
// is never failed, a further attempt follows, and once the gateway
// answers again the connection is back.
func TestForgedIKEErrorDuringReconnect(t *testing.T) {
	r := newRig(t, false)
	r.h.Import(lab.PSKProfile("work"))
	w := watch(t, r.h, "work")
	r.up(t, "work")
	f := newForger(t, r.top.Gateway)
	holdIKE(t, r.top.Gateway)
	start := time.Now()
	if out, err := r.gw.Swanctl("--terminate", "--ike", "psk"); err != nil {
		t.Fatalf("terminating the IKE SA at the gateway: %v\n%s", err, out)
	}
	if _, ok := w.wait(api.StateReconnecting, start, 20*time.Second); !ok {
		t.Fatalf("the status never said reconnecting: %v", w.states(start))
	}
	// The first attempt comes after conn's 5 s back-off; the next one
	// after its IKE_SA_INIT gave up (session's 30 s) and 10 s more.
	spi, client, ok := f.initRequest(t, testnet.ClientV4, 0, 30*time.Second)
	if !ok {
		t.Fatalf("no reconnection attempt within 30s: %v", w.states(start))
	}
	f.send(t, netip.AddrPortFrom(testnet.GatewayV4, 500), client, noProposalChosen(t, spi))
	forged := time.Now()
	next, _, ok := f.initRequest(t, testnet.ClientV4, spi, 70*time.Second)
	if c, failed := w.first(api.StateFailed, start); failed {
		t.Fatalf("the forged refusal failed the connection for good: %s\n%v", c.st.LastError, w.states(start))
	}
	if !ok {
		t.Fatalf("no further attempt within 70s of the forged refusal: %v", w.states(start))
	}
	t.Logf("next attempt (SPI %#x) %v after the forged refusal", next, time.Since(forged).Round(time.Millisecond))
	releaseIKE(r.top.Gateway)
	if _, ok := w.wait(api.StateConnected, forged, 40*time.Second); !ok {
		t.Fatalf("not connected again once the gateway answered: %v", w.states(start))
	}
	if c, failed := w.first(api.StateFailed, start); failed {
		t.Errorf("the status said failed on the way: %s", c.st.LastError)
	}
	r.h.MustCtl("down", "work")
}
