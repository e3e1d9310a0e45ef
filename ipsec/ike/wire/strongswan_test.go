package wire

import (
	"bytes"
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/suite"
)

// TestCaptureReencode checks that every IKE message of the captures, and
// every decrypted payload chain, encodes back to the captured bytes.
func TestCaptureReencode(t *testing.T) {
	cs := testCaptures(t)
	if len(cs) != 14+8 {
		t.Errorf("%d IKE messages in the captures, want 14 (psk) + 8 (cert)", len(cs))
	}
	decrypted := 0
	for _, c := range cs {
		got, err := c.msg.AppendTo(nil)
		if err != nil {
			t.Fatalf("%s #%d: %v", c.file, c.index, err)
		}
		if !bytes.Equal(got, c.raw) {
			t.Errorf("%s #%d: re-encoded message differs\n got %x\nwant %x", c.file, c.index, got, c.raw)
		}
		if !c.decrypted {
			continue
		}
		decrypted++
		if got, err = AppendPayloads(nil, c.inner); err != nil || !bytes.Equal(got, c.plain) {
			t.Errorf("%s #%d: re-encoded inner payloads differ (%v)\n got %x\nwant %x", c.file, c.index, err, got, c.plain)
		}
	}
	// All but the two IKE_SA_INIT exchanges; the four cert IKE_AUTH
	// fragments make two messages.
	if decrypted != 12+4 {
		t.Errorf("%d decrypted messages, want 16", decrypted)
	}
}

// strongSwan's abbreviations for the notify types and configuration
// attributes of the captures (its message logging).
var (
	swanNotify = map[NotifyType]string{
		NATDetectionSourceIP: "NATD_S_IP", NATDetectionDestinationIP: "NATD_D_IP",
		IKEv2FragmentationSupported: "FRAG_SUP", SignatureHashAlgorithms: "HASH_ALG",
		RedirectSupported: "REDIR_SUP", ChildlessIKEv2Supported: "CHDLESS_SUP",
		MultipleAuthSupported: "MULT_AUTH", InitialContact: "INIT_CONTACT",
		MOBIKESupported: "MOBIKE_SUP", NoAdditionalAddresses: "NO_ADD_ADDR",
		EAPOnlyAuthentication: "EAP_ONLY", IKEv2MessageIDSyncSupported: "MSG_ID_SYN_SUP",
		AdditionalIP4Address: "ADD_4_ADDR", RekeySA: "REKEY_SA",
	}
	swanAttr = map[ConfigAttributeType]string{InternalIP4Address: "ADDR", InternalIP4DNS: "DNS"}
)

// describe renders a message the way charon logs it: "IKE_AUTH request 1
// [ IDi N(INIT_CONTACT) ... ]".
func describe(tb testing.TB, h Header, ps Payloads) string {
	kind := "request"
	if h.IsResponse() {
		kind = "response"
	}
	var parts []string
	for _, p := range ps {
		s := p.Type().String()
		switch p := p.(type) {
		case *Notify:
			s = "N(" + swanNotify[p.NotifyType] + ")"
			if swanNotify[p.NotifyType] == "" {
				tb.Errorf("no strongSwan name for %v", p.NotifyType)
			}
		case *Configuration:
			var as []string
			for _, a := range p.Attributes {
				as = append(as, swanAttr[a.Type])
			}
			s = map[ConfigType]string{CFGRequest: "CPRQ", CFGReply: "CPRP"}[p.ConfigType] + "(" + strings.Join(as, " ") + ")"
		case *EncryptedFragment:
			s = fmt.Sprintf("EF(%d/%d)", p.Number, p.Total)
		case *Delete:
			s = "D"
		}
		parts = append(parts, s)
	}
	return fmt.Sprintf("%v %s %d [ %s]", h.ExchangeType, kind, h.MessageID, strings.Join(append(parts, ""), " "))
}

// TestCaptureMatchesLog checks every message against the client log's
// account of what it generated and parsed: exchange, direction, message ID
// and the payload list (decrypted for SK, per fragment for SKF).
func TestCaptureMatchesLog(t *testing.T) {
	logged := map[string][]string{}
	for _, name := range captures {
		lines, err := kat.LogLines(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range lines {
			l = kat.LogText(l)
			for _, verb := range []string{"generating ", "parsed "} {
				if s, ok := strings.CutPrefix(l, verb); ok {
					logged[name] = append(logged[name], s)
				}
			}
		}
	}
	for _, c := range testCaptures(t) {
		want := []string{describe(t, c.msg.Header, c.msg.Payloads)}
		if _, sk := c.msg.Payloads[len(c.msg.Payloads)-1].(*Encrypted); sk {
			want = nil
		}
		if c.decrypted {
			want = append(want, describe(t, c.msg.Header, c.inner))
		}
		for _, w := range want {
			if !slices.Contains(logged[c.file], w) {
				t.Errorf("%s #%d: %q not in the log", c.file, c.index, w)
			}
		}
	}
}

// TestCaptureIKESAInit checks the IKE_SA_INIT exchanges against the values
// the client logged: the proposal, the group, the nonces, the NAT detection
// hashes and the messages the AUTH payloads sign.
func TestCaptureIKESAInit(t *testing.T) {
	for _, name := range captures {
		t.Run(name, func(t *testing.T) {
			var init []*captured
			for _, c := range testCaptures(t) {
				if c.file == name && c.msg.Header.ExchangeType == IKESAInit {
					init = append(init, c)
				}
			}
			if len(init) != 2 {
				t.Fatalf("%d IKE_SA_INIT messages, want 2", len(init))
			}
			req, resp := init[0].msg, init[1].msg
			if req.Header.Flags != FlagInitiator || resp.Header.Flags != FlagResponse ||
				req.Header.MessageID != 0 || resp.Header.MessageID != 0 ||
				req.Header.SPIr != 0 || resp.Header.SPIi != req.Header.SPIi || resp.Header.SPIr == 0 {
				t.Errorf("headers: request %+v, response %+v", req.Header, resp.Header)
			}
			// "selected proposal: IKE:AES_GCM_16_128/PRF_HMAC_SHA2_256/CURVE_25519";
			// the client offered just that one.
			want := []suite.Transform{
				{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128},
				{Type: suite.TypePRF, ID: suite.PRFHMACSHA2_256},
				{Type: suite.TypeKE, ID: suite.GroupCurve25519},
			}
			for _, m := range []*Message{req, resp} {
				sa, ok := First[*SecurityAssociation](m.Payloads)
				if !ok || len(sa.Proposals) != 1 {
					t.Fatalf("SA payload: %+v", sa)
				}
				p := sa.Proposals[0]
				var got []suite.Transform
				for _, tr := range p.Transforms {
					got = append(got, tr.Suite())
				}
				if p.Number != 1 || p.Protocol != ProtocolIKE || len(p.SPI) != 0 || !slices.Equal(got, want) {
					t.Errorf("proposal %v, want #1 IKE %v", p, want)
				}
				ke, _ := First[*KeyExchange](m.Payloads)
				if ke == nil || ke.Group != suite.GroupCurve25519 || len(ke.Data) != 32 {
					t.Errorf("KE %+v, want a 32-byte x25519 value", ke)
				}
				if n, _ := First[*Nonce](m.Payloads); n == nil || len(n.Data) != 32 {
					t.Errorf("nonce %+v, want 32 bytes", n)
				}
				algs, err := m.Payloads.Notify(SignatureHashAlgorithms).HashAlgorithms()
				if err != nil || !slices.Equal(algs, []HashAlgorithm{HashSHA2_256, HashSHA2_384, HashSHA2_512, HashIdentity}) {
					t.Errorf("SIGNATURE_HASH_ALGORITHMS %v, %v", algs, err)
				}
				if m.Payloads.Notify(IKEv2FragmentationSupported) == nil {
					t.Error("no IKEV2_FRAGMENTATION_SUPPORTED")
				}
			}
			hashes := mustLogHex(t, name, "natd_hash")
			recvSrc := mustLogHex(t, name, "received src_hash")
			recvDst := mustLogHex(t, name, "received dst_hash")
			for _, c := range []struct {
				m        *Message
				src, dst []byte
			}{{req, hashes[0], hashes[1]}, {resp, recvSrc[0], recvDst[0]}} {
				s, d := c.m.Payloads.Notify(NATDetectionSourceIP), c.m.Payloads.Notify(NATDetectionDestinationIP)
				if s == nil || d == nil || !bytes.Equal(s.Data, c.src) || !bytes.Equal(d.Data, c.dst) {
					t.Errorf("NAT detection notifies %+v %+v, want the logged hashes %x %x", s, d, c.src, c.dst)
				}
			}
			// The AUTH octets start with the sender's IKE_SA_INIT message
			// and continue with the peer's nonce (RFC 7296 §2.15).
			octets := mustLogHex(t, name, "octets = message + nonce + prf(Sk_px, IDx')")
			for i, c := range []struct{ own, peer *captured }{{init[0], init[1]}, {init[1], init[0]}} {
				n, _ := First[*Nonce](c.peer.msg.Payloads)
				want := append(slices.Clone(c.own.raw), n.Data...)
				if len(octets) != 2 || !bytes.HasPrefix(octets[i], want) {
					t.Errorf("signed octets %d do not start with the captured message and nonce", i)
				}
			}
		})
	}
}

func mustLogHex(t *testing.T, capture, label string) [][]byte {
	t.Helper()
	d, err := kat.LogHex(capture, label)
	if err != nil || len(d) == 0 {
		t.Fatalf("%s: %q: %d dumps, %v", capture, label, len(d), err)
	}
	return d
}

// TestCaptureFragments checks the IKE fragments of the cert capture: both
// IKE_AUTH messages in two SKF payloads, numbered 1/2 and 2/2, only the first
// naming the first inner payload (RFC 7383 §2.5), each split into the 8-byte
// IV, ciphertext and 16-byte ICV of AES-GCM.
func TestCaptureFragments(t *testing.T) {
	var frags []*EncryptedFragment
	var raws [][]byte
	for _, c := range testCaptures(t) {
		if f, ok := c.msg.Payloads[len(c.msg.Payloads)-1].(*EncryptedFragment); ok {
			if c.file != "cert" || c.msg.Header.ExchangeType != IKEAuth || len(c.msg.Payloads) != 1 {
				t.Errorf("%s #%d: unexpected fragment in %v", c.file, c.index, c.msg.Header.ExchangeType)
			}
			frags = append(frags, f)
			raws = append(raws, c.raw)
		}
	}
	want := []struct {
		first         PayloadType
		number, total uint16
		size          int
	}{{PayloadIDi, 1, 2, 1248}, {PayloadNone, 2, 2, 630}, {PayloadIDr, 1, 2, 1248}, {PayloadNone, 2, 2, 560}}
	if len(frags) != len(want) {
		t.Fatalf("%d fragments, want %d", len(frags), len(want))
	}
	for i, f := range frags {
		w := want[i]
		if f.FirstPayload != w.first || f.Number != w.number || f.Total != w.total || len(raws[i]) != w.size {
			t.Errorf("fragment %d: first %v, %d/%d, %d bytes; want %v, %d/%d, %d bytes",
				i, f.FirstPayload, f.Number, f.Total, len(raws[i]), w.first, w.number, w.total, w.size)
		}
		iv, ct, icv, err := f.Split(gcmIVLen, gcmICVLen)
		if err != nil || len(iv) != gcmIVLen || len(icv) != gcmICVLen || len(ct) != len(f.Data)-gcmIVLen-gcmICVLen {
			t.Errorf("fragment %d: split %d/%d/%d of %d: %v", i, len(iv), len(ct), len(icv), len(f.Data), err)
		}
		s, err := SplitSealed(raws[i], gcmIVLen, gcmICVLen)
		if err != nil || len(s.AAD) != HeaderLen+payloadGenericLen+fragmentFixedLen || &s.IV[0] != &iv[0] {
			t.Errorf("fragment %d: SplitSealed AAD of %d bytes, %v", i, len(s.AAD), err)
		}
	}
}

// TestCaptureIKEAuth checks decrypted payloads against what the log and the
// README say: identities, certificates, configuration, selectors, the
// Child SA SPIs and their rekey and deletion.
func TestCaptureIKEAuth(t *testing.T) {
	inner := map[string][]Payloads{}
	for _, c := range testCaptures(t) {
		if c.decrypted {
			inner[c.file] = append(inner[c.file], c.inner)
		}
	}
	psk, cert := inner["psk"], inner["cert"]
	if len(psk) != 12 || len(cert) != 4 {
		t.Fatalf("%d psk and %d cert decrypted messages", len(psk), len(cert))
	}
	for _, c := range []struct {
		name       string
		req, resp  Payloads
		idi        Identity
		authMethod AuthMethod
		certFile   [2]string
	}{
		{"psk", psk[0], psk[1], RFC822Identity("psk-client@example.test"), AuthSharedKeyMIC, [2]string{}},
		{"cert", cert[0], cert[1], RFC822Identity("client@example.test"), AuthDigitalSignature, [2]string{"client.crt", "gw.crt"}},
	} {
		idi, _ := First[*IDi](c.req)
		idr, _ := First[*IDr](c.resp)
		if idi == nil || !idi.Equal(c.idi) || idr == nil || !idr.Equal(FQDNIdentity("gw.example.test")) {
			t.Errorf("%s: IDi %v, IDr %v", c.name, idi, idr)
		}
		for i, m := range []Payloads{c.req, c.resp} {
			a, _ := First[*Authentication](m)
			if a == nil || a.Method != c.authMethod {
				t.Errorf("%s: AUTH %+v, want method %v", c.name, a, c.authMethod)
			}
			crt, _ := First[*Certificate](m)
			if c.certFile[i] == "" {
				if crt != nil {
					t.Errorf("%s: unexpected CERT", c.name)
				}
				continue
			}
			if crt == nil || crt.Encoding != CertX509Signature || !bytes.Equal(crt.Data, kat.Certificate(t, c.certFile[i]).Raw) {
				t.Errorf("%s: CERT payload is not %s", c.name, c.certFile[i])
			}
		}
		cr, _ := First[*CertificateRequest](c.req)
		if hs, err := cr.CAHashes(); cr == nil || cr.Encoding != CertX509Signature || len(hs) != 1 || err != nil {
			t.Errorf("%s: CERTREQ %+v: %d hashes, %v", c.name, cr, len(hs), err)
		}
		cp, _ := First[*Configuration](c.resp)
		addr, _ := cp.Find(InternalIP4Address)
		dns, _ := cp.Find(InternalIP4DNS)
		a, okA, errA := addr.Addr()
		d, okD, errD := dns.Addr()
		if cp.ConfigType != CFGReply || !okA || !okD || errA != nil || errD != nil ||
			!strings.HasPrefix(a.String(), "198.18.0.") || d != netip.MustParseAddr("203.0.113.53") {
			t.Errorf("%s: CP %v: address %v, DNS %v", c.name, cp.ConfigType, a, d)
		}
		tsi, _ := First[*TSi](c.resp)
		tsr, _ := First[*TSr](c.resp)
		if len(tsi.Selectors) != 1 || tsi.Selectors[0] != SelectorFromPrefix(netip.PrefixFrom(a, 32)) ||
			len(tsr.Selectors) != 1 || tsr.Selectors[0] != SelectorFromPrefix(netip.MustParsePrefix("203.0.113.0/24")) {
			t.Errorf("%s: TSi %v, TSr %v", c.name, tsi.Selectors, tsr.Selectors)
		}
		add, err := c.resp.Notify(AdditionalIP4Address).Addr()
		if err != nil || add != netip.MustParseAddr("203.0.113.1") {
			t.Errorf("%s: additional address %v, %v", c.name, add, err)
		}
	}
	// "allocated SPI c2fac779", then the Child rekey names it in REKEY_SA
	// and the client deletes it; the responder deletes its 33147cef.
	sa, _ := First[*SecurityAssociation](psk[0])
	if len(sa.Proposals) == 0 || !bytes.Equal(sa.Proposals[0].SPI, []byte{0xc2, 0xfa, 0xc7, 0x79}) || sa.Proposals[0].Protocol != ProtocolESP {
		t.Errorf("IKE_AUTH SA %v", sa.Proposals)
	}
	rekey := psk[2].Notify(RekeySA)
	if rekey == nil || rekey.Protocol != ProtocolESP || !bytes.Equal(rekey.SPI, []byte{0xc2, 0xfa, 0xc7, 0x79}) {
		t.Errorf("REKEY_SA %+v", rekey)
	}
	for i, want := range map[int]uint32{4: 0xc2fac779, 5: 0x33147cef} {
		d, _ := First[*Delete](psk[i])
		if d == nil || d.Protocol != ProtocolESP || !slices.Equal(d.SPIs, []uint32{want}) {
			t.Errorf("message %d: delete %+v, want ESP %08x", i, d, want)
		}
	}
	// The IKE rekey: an IKE proposal with an 8-byte SPI, a nonce and a KE.
	sa, _ = First[*SecurityAssociation](psk[6])
	if len(sa.Proposals) == 0 || sa.Proposals[0].Protocol != ProtocolIKE || len(sa.Proposals[0].SPI) != 8 {
		t.Errorf("IKE rekey SA %v", sa.Proposals)
	}
}
