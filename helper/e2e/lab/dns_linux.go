package lab

import (
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"

	"golang.org/x/net/dns/dnsmessage"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// StartDNS answers A and AAAA queries for names (without the final dot)
// on UDP port 53 of addr inside ns, until the end. Other names get
// NXDOMAIN.
func StartDNS(t testnet.T, ns *testnet.Namespace, addr netip.Addr, names map[string]netip.Addr) {
	t.Helper()
	var conn *net.UDPConn
	if err := ns.Do(func() error {
		var err error
		conn, err = net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(addr, 53)))
		return err
	}); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		serveDNS(conn, names)
	}()
	t.Cleanup(func() {
		conn.Close()
		wg.Wait()
	})
}

// serveDNS answers until conn is closed.
func serveDNS(conn *net.UDPConn, names map[string]netip.Addr) {
	buf := make([]byte, 1500)
	for {
		n, from, err := conn.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		if resp, ok := answer(buf[:n], names); ok {
			conn.WriteToUDPAddrPort(resp, from)
		}
	}
}

// answer builds the response to one query (RFC 1035 §4.1).
func answer(q []byte, names map[string]netip.Addr) ([]byte, bool) {
	var p dnsmessage.Parser
	h, err := p.Start(q)
	if err != nil {
		return nil, false
	}
	qs, err := p.AllQuestions()
	if err != nil || len(qs) != 1 {
		return nil, false
	}
	question := qs[0]
	a, known := names[strings.TrimSuffix(question.Name.String(), ".")]
	rh := dnsmessage.Header{ID: h.ID, Response: true, Authoritative: true, RecursionDesired: h.RecursionDesired}
	if !known {
		rh.RCode = dnsmessage.RCodeNameError
	}
	b := dnsmessage.NewBuilder(nil, rh)
	b.EnableCompression()
	if b.StartQuestions() != nil || b.Question(question) != nil || b.StartAnswers() != nil {
		return nil, false
	}
	res := dnsmessage.ResourceHeader{Name: question.Name, Class: dnsmessage.ClassINET, TTL: 60}
	switch {
	case known && a.Is4() && question.Type == dnsmessage.TypeA:
		err = b.AResource(res, dnsmessage.AResource{A: a.As4()})
	case known && a.Is6() && question.Type == dnsmessage.TypeAAAA:
		err = b.AAAAResource(res, dnsmessage.AAAAResource{AAAA: a.As16()})
	}
	if err != nil {
		return nil, false
	}
	out, err := b.Finish()
	return out, err == nil
}
