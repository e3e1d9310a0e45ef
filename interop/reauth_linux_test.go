package interop

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// pingStream sends an echo request through the tunnel every interval and
// counts the replies, until stop; it owns the device's out channel while
// it runs.
type pingStream struct {
	c        *client
	interval time.Duration
	stopc    chan struct{}
	wg       sync.WaitGroup
	sent     int
	replied  map[uint16]bool
	// lastSent is the number of requests sent before the stream began to
	// drain, the only ones whose replies are awaited.
	lastSent int
}

const streamID = 0x5151

func startPingStream(c *client, interval time.Duration) *pingStream {
	s := &pingStream{c: c, interval: interval, stopc: make(chan struct{}), replied: map[uint16]bool{}}
	s.wg.Add(1)
	go s.run()
	return s
}

func (s *pingStream) run() {
	defer s.wg.Done()
	tick := time.NewTicker(s.interval)
	defer tick.Stop()
	stopc := s.stopc
	var drain <-chan time.Time
	for {
		select {
		case <-tick.C:
			if drain != nil {
				continue
			}
			select {
			case s.c.dev.in <- echoRequest(s.c.vip, testnet.LANHostV4, streamID, uint16(s.sent)):
				s.sent++
			default: // the engine is not reading: counts as lost
				s.sent++
			}
		case p := <-s.c.dev.out:
			for seq := range s.sent {
				if isEchoReply(p, testnet.LANHostV4, streamID, uint16(seq)) {
					s.replied[uint16(seq)] = true
					break
				}
			}
		case <-stopc:
			stopc = nil
			s.lastSent = s.sent
			// Replies to the last requests are still on their way.
			drain = time.After(time.Second)
		case <-drain:
			return
		}
	}
}

// stop ends the stream and reports how many requests went unanswered and
// the longest run of them.
func (s *pingStream) stop() (sent, lost, longestGap int) {
	close(s.stopc)
	s.wg.Wait()
	gap := 0
	for seq := range s.lastSent {
		if s.replied[uint16(seq)] {
			gap = 0
			continue
		}
		lost++
		gap++
		longestGap = max(longestGap, gap)
	}
	return s.lastSent, lost, longestGap
}

// TestReauthentication: a gateway with reauth_time sends AUTH_LIFETIME
// (RFC 4478 §3) in IKE_AUTH; the client, with its defaults, reauthenticates
// make-before-break before that lifetime ends (RFC 7296 §2.8.3): a new IKE
// SA from scratch beside the old one, traffic moved to its Child SA, then
// the old IKE SA deleted. Pings flow throughout, and afterwards the gateway
// lists one IKE SA, with the new SPIs, and one Child SA.
//
// strongSwan's responder advertises reauth_time less a random jitter of up
// to rand_time, and keeps the SA until reauth_time plus over_time; with a
// virtual IP handed out it does not reauthenticate itself but waits for the
// client. rand_time = 0 makes the advertised lifetime exactly 20s.
func TestReauthentication(t *testing.T) {
	conn := gatewayConn("psk")
	conn.Extra = append(conn.Extra, "reauth_time = 20s", "over_time = 10s", "rand_time = 0s")
	_, gw, c, _ := pskTunnel(t, conn)
	before, err := parseGatewaySA(gw.ListSAs())
	if err != nil {
		t.Fatalf("%v:\n%s", err, gw.ListSAs())
	}

	pings := startPingStream(c, 50*time.Millisecond)
	start := time.Now()
	re := next[*ike.Reauthenticated](t, c, 25*time.Second)
	took := time.Since(start)
	old := fmt.Sprintf("%016x_i %016x_r", re.OldSPIi, re.OldSPIr)
	if old != before.ikeSPIs || re.SPIi == re.OldSPIi {
		t.Fatalf("reauthenticated %016x_i %016x_r, replacing %s; the gateway listed %s",
			re.SPIi, re.SPIr, old, before.ikeSPIs)
	}
	if re.VirtualIPsChanged || len(re.VirtualIPs) != 1 || re.VirtualIPs[0] != c.vip {
		t.Fatalf("virtual IPs %v after the reauthentication, were %v", re.VirtualIPs, c.vip)
	}
	// Traffic goes on for a while over the new SAs.
	time.Sleep(2 * time.Second)
	sent, lost, gap := pings.stop()

	want := fmt.Sprintf("%016x_i %016x_r", re.SPIi, re.SPIr)
	var after gatewaySA
	var sas string
	for range 50 {
		sas = gw.ListSAs()
		if after, err = parseGatewaySA(sas); err == nil && after.ikeSPIs == want && strings.Count(sas, "ESTABLISHED") == 1 {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if after.ikeSPIs != want || strings.Count(sas, "ESTABLISHED") != 1 || strings.Count(sas, "INSTALLED") != 1 {
		t.Fatalf("the gateway should hold only the new IKE SA %s and its Child SA:\n%s", want, sas)
	}
	if strings.Contains(sas, fmt.Sprintf("%016x", re.OldSPIi)) {
		t.Fatalf("the gateway still lists the old IKE SA:\n%s", sas)
	}
	if after.childIn != fmt.Sprintf("%08x", re.Child.OutSPI) {
		t.Fatalf("the gateway's Child SA has inbound SPI %s, ours out is %08x:\n%s", after.childIn, re.Child.OutSPI, sas)
	}
	if in, _ := testnet.ChildPackets(sas); in == 0 {
		t.Fatalf("the gateway's new Child SA counted no packets:\n%s", sas)
	}
	t.Logf("reauthenticated after %v: IKE SA %s replaced %s; %d of %d pings lost (longest gap %d)",
		took.Round(100*time.Millisecond), after.ikeSPIs, before.ikeSPIs, lost, sent, gap)
	if lost != 0 {
		t.Fatalf("%d of %d pings lost through the reauthentication (longest gap %d)", lost, sent, gap)
	}
}
