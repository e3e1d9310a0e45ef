package core

import (
	"bytes"
	"crypto/rand"
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/dh"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// sinkSocket drops what is written and never reads.
type sinkSocket struct{ local netip.AddrPort }

func (s sinkSocket) ReadBatch([]socket.Datagram) (int, error)    { return 0, socket.ErrClosed }
func (s sinkSocket) WriteBatch(m []socket.Datagram) (int, error) { return len(m), nil }
func (s sinkSocket) BatchSize() int                              { return 1 }
func (s sinkSocket) LocalAddr() netip.AddrPort                   { return s.local }
func (s sinkSocket) Close() error                                { return nil }

var peerAddr = netip.MustParseAddrPort("192.0.2.1:500")

// detachedWithSA is a connection, not running, that holds sa as its IKE
// SA in setup; it returns the error of the Down it reports, if any.
func detachedWithSA(t *testing.T, sa *IKESA) (*Machine, *error) {
	t.Helper()
	var down error
	downed := &down
	local := netip.MustParseAddrPort("192.0.2.2:500")
	d, err := Detached(Config{Remote: peerAddr, PSK: []byte("bad-input-test-psk-0123")},
		Sockets{IKE: sinkSocket{local}, NATT: sinkSocket{netip.AddrPortFrom(local.Addr(), 4500)}},
		Options{OnEvent: func(e Event) {
			if dn, ok := e.(*Down); ok {
				*downed = dn.Err
			}
		}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	d.SA = sa
	sa.IntermediateOK = true
	if !sa.Initiator {
		sa.RecvID = 1
	} else {
		sa.sendID = 1
	}
	return d, downed
}

// fromInitiator seals a request as the initiator of the SA does.
func fromInitiator(t *testing.T, mirror *IKESA, ex wire.ExchangeType, id uint32, ps wire.Payloads) Datagram {
	t.Helper()
	pkts, err := mirror.keys.seal(mirror.Header(ex, id, false), ps, 0)
	if err != nil {
		t.Fatal(err)
	}
	return Datagram{B: pkts[0], From: peerAddr}
}

// The responder of an IKE SA with additional key exchanges due ends the
// attempt with a *KeyExchangeError on Key Exchange Data of the wrong
// length or method, on IKE_AUTH before them, and on IKE_INTERMEDIATE
// the initiator did not announce. No input panics.
func TestIntermediateResponderRefuses(t *testing.T) {
	share := func(g suite.TransformID) []byte {
		k, err := dh.Generate(g, rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k.PublicKey()
	}
	ek := share(suite.KEMLKEM768)
	for _, tc := range []struct {
		name  string
		ex    wire.ExchangeType
		ps    wire.Payloads
		noInt bool
		want  string
	}{
		{"truncated", wire.IKEIntermediate, wire.Payloads{&wire.KeyExchange{Group: suite.KEMLKEM768, Data: ek[:len(ek)-1]}}, false, "1183 bytes"},
		{"oversized", wire.IKEIntermediate, wire.Payloads{&wire.KeyExchange{Group: suite.KEMLKEM768, Data: append(bytes.Clone(ek), 0)}}, false, "1185 bytes"},
		{"empty", wire.IKEIntermediate, wire.Payloads{&wire.KeyExchange{Group: suite.KEMLKEM768}}, false, "0 bytes"},
		{"other method", wire.IKEIntermediate, wire.Payloads{&wire.KeyExchange{Group: suite.KEMLKEM1024, Data: share(suite.KEMLKEM1024)}}, false, "KE payload for ML-KEM-1024"},
		{"no KE", wire.IKEIntermediate, wire.Payloads{&wire.Nonce{Data: make([]byte, 32)}}, false, "no KE payload"},
		{"two KE", wire.IKEIntermediate, wire.Payloads{&wire.KeyExchange{Group: suite.KEMLKEM768, Data: ek}, &wire.KeyExchange{Group: suite.KEMLKEM768, Data: ek}}, false, "more than one"},
		{"not an encapsulation key", wire.IKEIntermediate, wire.Payloads{&wire.KeyExchange{Group: suite.KEMLKEM768, Data: bytes.Repeat([]byte{0xff}, len(ek))}}, false, "invalid public value"},
		{"IKE_AUTH first", wire.IKEAuth, wire.Payloads{&wire.Nonce{Data: make([]byte, 32)}}, false, "IKE_AUTH before the additional key exchanges"},
		{"not announced", wire.IKEIntermediate, wire.Payloads{&wire.KeyExchange{Group: suite.KEMLKEM768, Data: ek}}, true, "unexpected IKE_INTERMEDIATE"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sa, mirror := hybridSA(t, false), hybridSA(t, true)
			d, down := detachedWithSA(t, sa)
			sa.IntermediateOK = !tc.noInt
			d.Receive(fromInitiator(t, mirror, tc.ex, 1, tc.ps))
			var ke *KeyExchangeError
			if !errors.As(*down, &ke) || !errors.Is(*down, ErrKeyExchange) || !strings.Contains((*down).Error(), tc.want) {
				t.Fatalf("Down(%v), want a KeyExchangeError saying %q", *down, tc.want)
			}
		})
	}
	// The same SA accepts the right key share, answers it, and updates
	// its keys, keeping the previous ones for a retransmission.
	sa, mirror := hybridSA(t, false), hybridSA(t, true)
	d, down := detachedWithSA(t, sa)
	before := bytes.Clone(sa.keys.keys.D)
	d.Receive(fromInitiator(t, mirror, wire.IKEIntermediate, 1, wire.Payloads{&wire.KeyExchange{Group: suite.KEMLKEM768, Data: ek}}))
	if *down != nil || bytes.Equal(sa.keys.keys.D, before) || sa.prevKeys == nil || len(sa.addKE) != 1 || sa.LastResp == nil || sa.intermediates != 2 {
		t.Fatalf("valid IKE_INTERMEDIATE: down %v, keys updated %v, %d left", *down, !bytes.Equal(sa.keys.keys.D, before), len(sa.addKE))
	}
	// A retransmission, under the previous keys, gets the same response.
	d.Receive(fromInitiator(t, mirror, wire.IKEIntermediate, 1, wire.Payloads{&wire.KeyExchange{Group: suite.KEMLKEM768, Data: ek}}))
	if *down != nil || len(sa.addKE) != 1 {
		t.Fatalf("retransmission: down %v", *down)
	}
}

// The initiator ends the attempt with a *KeyExchangeError when the
// responder's IKE_INTERMEDIATE response carries a method not negotiated
// or a ciphertext of the wrong length.
func TestIntermediateInitiatorRefuses(t *testing.T) {
	for _, tc := range []struct {
		name string
		ke   *wire.KeyExchange
		want string
	}{
		{"truncated", &wire.KeyExchange{Group: suite.KEMLKEM768, Data: make([]byte, 1087)}, "1087 bytes"},
		{"oversized", &wire.KeyExchange{Group: suite.KEMLKEM768, Data: make([]byte, 1089)}, "1089 bytes"},
		{"method not offered", &wire.KeyExchange{Group: suite.GroupMODP2048, Data: make([]byte, 256)}, "KE payload for modp2048"},
		{"no KE", nil, "no KE payload"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sa := hybridSA(t, true)
			d, down := detachedWithSA(t, sa)
			i := d.role.(*initiator)
			i.sendIntermediate(sa)
			if sa.pending == nil || sa.ke == nil {
				t.Fatal("no IKE_INTERMEDIATE request in flight")
			}
			var ps wire.Payloads
			if tc.ke != nil {
				ps = wire.Payloads{tc.ke}
			}
			plain, _ := wire.AppendPayloads(nil, ps)
			sa.intPlain = &intMessage{first: wire.PayloadKE, plain: plain}
			i.intermediateAnswered(sa, sa.Header(wire.IKEIntermediate, 1, true), ps)
			var ke *KeyExchangeError
			if !errors.As(*down, &ke) || !strings.Contains((*down).Error(), tc.want) {
				t.Fatalf("Down(%v), want a KeyExchangeError saying %q", *down, tc.want)
			}
		})
	}
	// A gateway that chose an additional key exchange without announcing
	// IKE_INTERMEDIATE is refused before any is sent.
	sa := hybridSA(t, true)
	d, down := detachedWithSA(t, sa)
	sa.IntermediateOK = false
	d.role.(*initiator).afterInit(sa)
	if !errors.Is(*down, ErrKeyExchange) || sa.pending != nil {
		t.Fatalf("Down(%v)", *down)
	}
}

// FuzzIntermediateRequest: any inner payloads in an authenticated
// IKE_INTERMEDIATE request, to a responder with an additional key exchange
// due, are answered or refused, never a panic.
func FuzzIntermediateRequest(f *testing.F) {
	k, err := dh.Generate(suite.KEMLKEM768, rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	good, _ := wire.AppendPayloads(nil, wire.Payloads{&wire.KeyExchange{Group: suite.KEMLKEM768, Data: k.PublicKey()}})
	f.Add(uint8(wire.PayloadKE), good)
	f.Add(uint8(wire.PayloadKE), good[:40])
	f.Add(uint8(wire.PayloadNonce), []byte{0, 0, 0, 8, 1, 2, 3, 4})
	f.Fuzz(func(t *testing.T, first uint8, inner []byte) {
		sa, mirror := hybridSA(t, false), hybridSA(t, true)
		d, _ := detachedWithSA(t, sa)
		h := mirror.Header(wire.IKEIntermediate, 1, false)
		b, err := mirror.keys.sealOne(h, &wire.Encrypted{FirstPayload: wire.PayloadType(first)}, inner)
		if err != nil {
			return
		}
		d.Receive(Datagram{B: b, From: peerAddr})
		if sa.LastResp == nil && !d.ended {
			t.Fatal("request neither answered nor refused")
		}
	})
}
