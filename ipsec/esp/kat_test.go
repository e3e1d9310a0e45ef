package esp

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/espressovpn/espresso/ipsec/suite"
)

// espVector is a published ESP packet with the keys that made it.
type espVector struct {
	name      string
	encr      suite.Transform
	key, salt string // the cipher key and the 4-byte salt (RFC 4106 §4)
	spi       uint32
	seq       uint64 // full sequence number
	esn       bool
	plaintext string // inner packet, padding, pad length, next header
	packet    string // SPI, sequence number, IV, ciphertext, ICV
}

func unhex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.Join(strings.Fields(s), ""))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	gcm128 = suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128}
	gcm192 = suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 192}
	gcm256 = suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 256}
)

// espVectors are the AES-GCM ESP packets of draft-mcgrew-gcm-test-01
// ("Test Cases for the use of GCM and GMAC in IPsec ESP", §4: the AES-GCM
// cases with a non-zero SPI, named by SPI and sequence number; SPI 0 is
// reserved, RFC 4303 §2.1), and the ESP example
// of RFC 7634 Appendix A. Where a case gives a 64-bit sequence number it
// uses extended sequence numbers: the AAD holds both halves, the packet
// only the low one (RFC 4106 §5).
var espVectors = []espVector{
	{
		name: "gcm-test spi 00004321 seq 8765432100000000", encr: gcm128,
		key: "4c80cdefbb5d10da906ac73c3613a634", salt: "2e443b68",
		spi: 0x00004321, seq: 0x8765432100000000, esn: true,
		plaintext: `45000048699a000080114db7c0a80102 c0a801010a9bf15638d3010000010000
			00000000045f736970045f7564700373 69700963796265726369747902646b00
			0021000101020201`,
		packet: `00004321000000004956ed7e3b244cfe fecf537e729d5b07dc30df528dd22b76
			8d1b98736696a6fd348509fa13ceac34 cfa2436f14a3f3cf65925bf1f4a13c5d
			15b21e1884f5ff6247aeabb786b93bce 61bc17d768fd9732459018148f6cbe72
			2fd04796562dfdb4`,
	},
	{
		name: "gcm-test spi 0000a5f8 seq 0000000a", encr: gcm128,
		key: "feffe9928665731c6d6a8f9467308308", salt: "cafebabe",
		spi: 0x0000a5f8, seq: 0x0000000a,
		plaintext: `4500003e698f000080114dccc0a80102 c0a801010a980035002a2343b2d00100
			00010000000000000373697009637962 65726369747902646b00000100010001`,
		packet: `0000a5f80000000afacedbaddecaf888 deb22cd9b07c72c16e3a65beeb8df304
			a5a5897d33ae530f1ba76d5d114d2a5c 3de81827c10e9a4f51330d0eec416642
			cfbb85a5b47e48a4ec3b9ba95d918bd1 83b70d3aa8bc6ee4c309e9d85a41ad4a`,
	},
	{
		name: "gcm-test spi 4a2cbfe3 seq 00000002", encr: gcm256,
		key: "abbccddef00112233445566778899aababbccddef00112233445566778899aab", salt: "11223344",
		spi: 0x4a2cbfe3, seq: 0x00000002,
		plaintext: `4500003069a6400080062690c0a80102 9389155e0a9e008b2dc57ee000000000
			7002400020bf0000020405b401010402 01020201`,
		packet: `4a2cbfe3000000020102030405060708 ff425c9b724599df7a3bcd510194e00d
			6a78107f1b0b1cbf06efae9d65a5d763 748a637985771d347f0545659f14e99d
			ef842d8eb335f4eecfdbf831824b4c49 15956c96`,
	},
	{
		name: "gcm-test spi 42f67e3f seq 1010101010101010", encr: gcm128,
		key: "3de09874b388e6491988d0c3607eae1f", salt: "57690e43",
		spi: 0x42f67e3f, seq: 0x1010101010101010, esn: true,
		plaintext: `4500003c99c300008001cb7c40679318 010101010800085c0200430061626364
			65666768696a6b6c6d6e6f7071727374 75767761626364656667686901020201`,
		packet: `42f67e3f101010104e280000a2fca1a3 fba2caa4853cf9f0f22cb10d86dd83b0
			fec75691cf1a04b00d1138ec9c357917 65acbd8701ad79845bf9fe3fba487bc9
			1755e6662b4c8d0d1f5e22739530320a e0d731cc978ecafaeae88f00e80d6e48`,
	},
	{
		name: "gcm-test spi 0000a5f8 seq 0000000a aes192", encr: gcm192,
		key: "feffe9928665731c6d6a8f9467308308feffe9928665731c", salt: "cafebabe",
		spi: 0x0000a5f8, seq: 0x0000000a,
		plaintext: `45000028a4ad4000400678800a01038f 0a010612802306b8cb712602dd6bb03e
			501016d075680001`,
		packet: `0000a5f80000000afacedbaddecaf888 a5b1f8066029aea40e598b8122de0242
			0938b3ab33f828e687b8858b5bfbdbd0 315b27452144cc7795457b9652037f53
			18027b5b4cd7a636`,
	},
	{
		name: "gcm-test spi 00000100 seq 0000000000000001", encr: gcm128,
		key: "abbccddef00112233445566778899aab", salt: "decaf888",
		spi: 0x00000100, seq: 0x0000000000000001, esn: true,
		plaintext: `4500004933ba00007f119106c3fb1d10 c2b1d326c02831ce0035dd7b800302d5
			00004e20001e8c18d75b81dc91baa047 6b91b924b280389d92c963bac046ec95
			9b6266c04722b14923010101`,
		packet: `0000010000000001cafedebaceface74 18a6fd42f72cbf4ab2a2ea901f73d814
			e3e7f243d95412e1c349c1d2fbec168f 9190feebaf2cb01984e65863965d7472
			b79da345e0e780191f0d2f0e0f496c22 6f2127b27db35724e7845d68651f57e6
			5f354f75ff17015769623436`,
	},
	{
		name: "gcm-test spi 17405e67 seq 156f3126dd0db99b", encr: gcm256,
		key: "abbccddef00112233445566778899aababbccddef00112233445566778899aab", salt: "73616c74",
		spi: 0x17405e67, seq: 0x156f3126dd0db99b, esn: true,
		plaintext: `45080028732c00004006e9f90a010612 0a01038f06b88023dd6bafbecb712602
			50101f646d540001`,
		packet: `17405e67dd0db99b616e640169766563 f2d69ecdbd5a0d5b8d5ef38bad4da58d
			1f278fde98ef67549d524a3018d9a57f f4d3a31ce673119e451626c2415771e3
			b7eebca614c89b35`,
	},
	{
		name: "gcm-test spi 335467ae seq ffffffff", encr: gcm128,
		key: "7d773d00c144c525ac619d18c84a3f47", salt: "d9664267",
		spi: 0x335467ae, seq: 0xffffffff,
		plaintext: `01020201`,
		packet: `335467aeffffffff43457e9182443bc6 437f866bcb3f699fe9b0822bac961c45
			04bef270`,
	},
	{
		name: "gcm-test spi 796b6963 seq ffffffffffffffff", encr: gcm256,
		key: "6c6567616c697a656d6172696a75616e61616e64646f69746265666f72656961", salt: "7475726e",
		spi: 0x796b6963, seq: 0xffffffffffffffff, esn: true,
		plaintext: `45000030da3a00008001df3bc0a80005 c0a800010800c6cd0200070061626364
			65666768696a6b6c6d6e6f7071727374 01020201`,
		packet: `796b6963ffffffff333021696765746d f97ab2aa356d8edce17644ac8c78e25d
			d24dedbb29ebf1b64a274b39b49c3a86 4cd3d78ca4ae68a32b42458fb57dbe82
			1dcc63b9d0937ba2945f669368661a32 9fb4c053`,
	},
	{
		// RFC 7634 Appendix A: an ICMP echo request from 198.51.100.5 to
		// 192.0.2.5 in tunnel mode.
		name: "RFC 7634 Appendix A", encr: suite.Transform{Type: suite.TypeEncr, ID: suite.EncrChaCha20Poly1305},
		key: "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f", salt: "a0a1a2a3",
		spi: 0x01020304, seq: 5,
		plaintext: `45000054a6f200004001e778c6336405 c00002050800 5b7a3a080000553bec10
			000736270809 0a0b0c0d0e0f10111213 1415161718191a1b1c1d1e1f20212223
			2425262728292a2b2c2d2e2f30313233 3435363701020204`,
		packet: `0102030400000005 1011121314151617
			24039428b97f417e3c13753a4f05087b 67c352e6a7fab1b982d466ef407ae5c6
			14ee8099d52844eb61aa95dfab4c02f7 2aa71e7c4c4f64c9befe2facc638e8f3
			cbec163fac469b502773f6fb94e664da 9165b82829f641e0
			76aaa8266b7fb0f7b11b369907e1ad43`,
	},
}

// TestKnownAnswers opens each published packet and compares the inner
// packet and next header with the published plaintext, then seals that
// plaintext with the published IV and compares the packet byte for byte.
func TestKnownAnswers(t *testing.T) {
	for _, v := range espVectors {
		t.Run(v.name, func(t *testing.T) {
			key := append(unhex(t, v.key), unhex(t, v.salt)...)
			sa, err := New(Params{SPI: v.spi, Encr: v.encr, EncrKey: key, ESN: v.esn})
			if err != nil {
				t.Fatal(err)
			}
			pt, pkt := unhex(t, v.plaintext), unhex(t, v.packet)
			next := pt[len(pt)-1]
			inner := pt[:len(pt)-2-int(pt[len(pt)-2])]
			if spi, low, _ := ParseHeader(pkt); spi != v.spi || low != uint32(v.seq) {
				t.Fatalf("vector header: SPI %08x seq %08x", spi, low)
			}

			got, gotNext, err := sa.Open(new(Scratch), bytes.Clone(pkt), v.seq)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, inner) || gotNext != next {
				t.Fatalf("Open: inner packet or next header (%d, want %d) differs", gotNext, next)
			}

			// Seal pads to the minimum (RFC 4303 §2.4), as every vector
			// here does; the IV is the one published.
			if sa.padLen(len(inner)) != int(pt[len(pt)-2]) {
				t.Fatalf("vector pads %d bytes, Seal would pad %d", pt[len(pt)-2], sa.padLen(len(inner)))
			}
			off := sa.HeaderRoom()
			buf := make([]byte, off+len(inner), off+len(inner)+sa.TrailerRoom())
			copy(buf[off:], inner)
			iv := binary.BigEndian.Uint64(pkt[HeaderLen:])
			start, end, err := sa.seal(new(Scratch), buf, off, len(inner), v.seq, iv, next)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf[start:end], pkt) {
				t.Fatal("Seal: packet differs from the published one")
			}
		})
	}
}
