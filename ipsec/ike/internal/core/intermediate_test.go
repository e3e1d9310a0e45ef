package core

import (
	"bytes"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha512"
	"encoding/binary"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// hmac384 is HMAC-SHA-384 over the concatenation of data.
func hmac384(key []byte, data ...[]byte) []byte {
	m := hmac.New(sha512.New384, key)
	for _, d := range data {
		m.Write(d)
	}
	return m.Sum(nil)
}

// prfPlus384 is prf+ of RFC 7296 §2.13 written out: T1 = prf(K, S |
// 0x01), Tn = prf(K, Tn-1 | S | n).
func prfPlus384(key, seed []byte, n int) []byte {
	var out, t []byte
	for i := byte(1); len(out) < n; i++ {
		t = hmac384(key, t, seed, []byte{i})
		out = append(out, t...)
	}
	return out[:n]
}

// hybridSA is an IKE SA after IKE_SA_INIT of
// aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem1024 with fixed
// nonces, SPIs and SKEYSEED.
func hybridSA(t *testing.T, initiator bool) *IKESA {
	t.Helper()
	c := chosen{Proposal: mustProposal(t, "aes256gcm16-prfsha384-x25519-ke1_mlkem768-ke2_mlkem1024", false)}
	sa := &IKESA{
		SPIi: 0x0102030405060708, SPIr: 0x1112131415161718, Initiator: initiator, Prop: c,
		Ni: bytes.Repeat([]byte{0xa1}, 32), Nr: bytes.Repeat([]byte{0xb2}, 32),
	}
	keys, err := newIKEKeys(c, bytes.Repeat([]byte{0x5e}, 48), sa.Ni, sa.Nr, sa.SPIi, sa.SPIr, initiator, nil, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sa.keys = keys
	sa.addKE = c.AddKEs()
	return sa
}

// RFC 9370 §2.2.2: after each additional key exchange, SKEYSEED(n) =
// prf(SK_d(n-1), SK(n) | Ni | Nr) and {SK_d | SK_ai | SK_ar | SK_ei | SK_er
// | SK_pi | SK_pr} = prf+(SKEYSEED(n), Ni | Nr | SPIi | SPIr), the SPIs
// those of IKE_SA_INIT. Checked against the computation written out
// with crypto/hmac, over two updates, for both ends.
func TestIntermediateKeyUpdate(t *testing.T) {
	d := &Machine{Rand: rand.Reader}
	for _, initiator := range []bool{true, false} {
		sa := hybridSA(t, initiator)
		if len(sa.addKE) != 2 {
			t.Fatalf("additional key exchanges %v", sa.addKE)
		}
		seed := slicesConcat(sa.Ni, sa.Nr, binary.BigEndian.AppendUint64(nil, sa.SPIi), binary.BigEndian.AppendUint64(nil, sa.SPIr))
		skd := bytes.Clone(sa.keys.keys.D)
		for n, secret := range [][]byte{bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)} {
			skeyseed := hmac384(skd, secret, sa.Ni, sa.Nr)
			// SK_d 48, SK_ei and SK_er 32+4 (AES-256-GCM key and salt),
			// SK_pi and SK_pr 48; no SK_a with an AEAD.
			km := prfPlus384(skeyseed, seed, 48+2*36+2*48)
			prevPI := bytes.Clone(sa.keys.keys.PI)
			if err := d.updateKeys(sa, bytes.Clone(secret), !initiator); err != nil {
				t.Fatal(err)
			}
			k := sa.keys.keys
			got := slicesConcat(k.D, k.AI, k.AR, k.EI, k.ER, k.PI, k.PR)
			if !bytes.Equal(got, km) {
				t.Fatalf("update %d: keys\n%x\nwant\n%x", n+1, got, km)
			}
			if initiator != (sa.prevKeys == nil) || (!initiator && !bytes.Equal(sa.prevKeys.keys.PI, prevPI)) {
				t.Fatalf("update %d: previous keys kept %v", n+1, sa.prevKeys != nil)
			}
			skd = bytes.Clone(k.D)
		}
	}
}

// RFC 9242 §3.3.2: IntAuth_i(n) = prf(SK_pi(n), IntAuth_i(n-1) | A | P)
// for the initiator's messages, likewise with SK_pr for the responder's,
// where A is the IKE header and the Encrypted payload header with the
// lengths of a message without IV, padding and ICV, and P the inner
// payloads; the AUTH payloads then cover IntAuth_iN | IntAuth_rN |
// IKE_AUTH_MID.
func TestIntAuth(t *testing.T) {
	d := &Machine{Rand: rand.Reader}
	sa := hybridSA(t, true)
	if sa.intAuth() != nil {
		t.Fatal("IntAuth without IKE_INTERMEDIATE")
	}
	var wantI, wantR []byte
	for n := range 2 {
		id := uint32(1 + n)
		req := wire.Payloads{&wire.KeyExchange{Group: sa.addKE[n], Data: bytes.Repeat([]byte{byte(n)}, 100)}}
		rsp := wire.Payloads{&wire.KeyExchange{Group: sa.addKE[n], Data: bytes.Repeat([]byte{byte(n + 7)}, 90)}}
		// The message as a peer would see it, written out: header with
		// next payload SK (46) and the short length, then the SK
		// header naming KE (34), then the KE payload.
		plain := func(ps wire.Payloads) []byte {
			b, err := wire.AppendPayloads(nil, ps)
			if err != nil {
				t.Fatal(err)
			}
			return b
		}
		spelled := func(flags byte, p []byte) []byte {
			b := binary.BigEndian.AppendUint64(nil, sa.SPIi)
			b = binary.BigEndian.AppendUint64(b, sa.SPIr)
			b = append(b, 46, 0x20, 43, flags)
			b = binary.BigEndian.AppendUint32(b, id)
			b = binary.BigEndian.AppendUint32(b, uint32(28+4+len(p)))
			b = append(b, 34, 0)
			b = binary.BigEndian.AppendUint16(b, uint16(4+len(p)))
			return append(b, p...)
		}
		wantI = hmac384(sa.keys.keys.PI, wantI, spelled(0x08, plain(req)))
		wantR = hmac384(sa.keys.keys.PR, wantR, spelled(0x20, plain(rsp)))
		if err := sa.addIntAuthPayloads(sa.Header(wire.IKEIntermediate, id, false), req, true); err != nil {
			t.Fatal(err)
		}
		// The response as received: parsed header, raw inner payloads.
		rh := wire.Header{SPIi: sa.SPIi, SPIr: sa.SPIr, NextPayload: wire.PayloadSK, MajorVersion: 2,
			ExchangeType: wire.IKEIntermediate, Flags: wire.FlagResponse, MessageID: id, Length: 999}
		sa.addIntAuth(rh, wire.PayloadKE, plain(rsp), false)
		if !bytes.Equal(sa.intAuthI, wantI) || !bytes.Equal(sa.intAuthR, wantR) {
			t.Fatalf("exchange %d: IntAuth_i %x, IntAuth_r %x\nwant %x, %x", n+1, sa.intAuthI, sa.intAuthR, wantI, wantR)
		}
		if err := d.updateKeys(sa, bytes.Repeat([]byte{byte(n)}, 32), false); err != nil {
			t.Fatal(err)
		}
	}
	sa.authMID = 3
	want := slicesConcat(wantI, wantR, []byte{0, 0, 0, 3})
	if got := sa.intAuth(); !bytes.Equal(got, want) {
		t.Fatalf("AUTH covers %x, want %x", got, want)
	}
}

func slicesConcat(bs ...[]byte) []byte {
	var out []byte
	for _, b := range bs {
		out = append(out, b...)
	}
	return out
}
