package eaptls

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
	"sync"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
)

// Labels of the keying material.
const (
	// labelTLS12 is RFC 5216 §2.3's label for TLS-PRF-128.
	labelTLS12 = "client EAP encryption"
	// labelTLS13 is RFC 9190 §2.3's TLS-Exporter label; its context is the
	// Type-Code 0x0D.
	labelTLS13 = "EXPORTER_EAP_TLS_Key_Material"
)

// MSKLen is the length of the MSK (RFC 5216 §2.3, RFC 9190 §2.3).
const MSKLen = 64

// deriveMSK returns the MSK of a finished handshake.
//
// TLS 1.3: Key_Material = TLS-Exporter(labelTLS13, 0x0D, 128), MSK its
// first 64 octets; crypto/tls's ExportKeyingMaterial is that exporter
// (RFC 8446 §7.5).
//
// TLS 1.2: Key_Material = PRF(master_secret, labelTLS12, client.random |
// server.random). ExportKeyingMaterial with a nil context is exactly this
// (RFC 5705 §4 adds nothing to the seed without a context), but crypto/tls
// offers it only when Extended Master Secret (RFC 7627) was negotiated,
// which strongSwan's TLS stack does not do. Then the master secret comes
// from crypto/tls's key log and the PRF runs here (RFC 5246 §5).
func deriveMSK(cs tls.ConnectionState, kl *keyLog, serverRandom []byte) ([]byte, error) {
	if cs.Version == tls.VersionTLS13 {
		k, err := cs.ExportKeyingMaterial(labelTLS13, []byte{byte(eap.TypeTLS)}, 2*MSKLen)
		if err != nil {
			return nil, fmt.Errorf("eaptls: TLS exporter: %w", err)
		}
		defer clear(k)
		return bytes.Clone(k[:MSKLen]), nil
	}
	if k, err := cs.ExportKeyingMaterial(labelTLS12, nil, MSKLen); err == nil {
		return k, nil
	}
	return msk12(cs.CipherSuite, kl, serverRandom)
}

// msk12 computes RFC 5216 §2.3's MSK from the logged master secret.
func msk12(suite uint16, kl *keyLog, serverRandom []byte) ([]byte, error) {
	cr, ms := kl.get()
	defer clear(ms)
	if len(ms) == 0 || len(cr) != 32 || len(serverRandom) != 32 {
		return nil, fmt.Errorf("%w: no TLS 1.2 master secret for the MSK", eap.ErrMethodFailed)
	}
	return prf12(prfHash(suite), ms, labelTLS12, append(cr, serverRandom...), MSKLen), nil
}

// prfHash is the hash of the TLS 1.2 PRF: SHA-384 for the suites named so,
// SHA-256 for all others (RFC 5246 §5, RFC 5289 §3).
func prfHash(suite uint16) func() hash.Hash {
	if strings.HasSuffix(tls.CipherSuiteName(suite), "_SHA384") {
		return sha512.New384
	}
	return sha256.New
}

// prf12 is the TLS 1.2 PRF: P_hash(secret, label | seed) (RFC 5246 §5).
func prf12(h func() hash.Hash, secret []byte, label string, seed []byte, n int) []byte {
	s := append([]byte(label), seed...)
	m := hmac.New(h, secret)
	m.Write(s)
	a := m.Sum(nil)
	out := make([]byte, 0, n+m.Size())
	for len(out) < n {
		m.Reset()
		m.Write(a)
		m.Write(s)
		out = m.Sum(out)
		m.Reset()
		m.Write(a)
		a = m.Sum(a[:0])
	}
	clear(out[n:])
	return out[:n]
}

// keyLog receives crypto/tls's key log (Config.KeyLogWriter) and keeps the
// TLS 1.2 master secret for deriveMSK; it writes nothing anywhere.
type keyLog struct {
	mu           sync.Mutex
	clientRandom []byte
	master       []byte
}

// Write takes one NSS key log line, "CLIENT_RANDOM <random> <secret>" for
// TLS 1.2; TLS 1.3 lines are of no use here and ignored.
func (k *keyLog) Write(line []byte) (int, error) {
	f := bytes.Fields(line)
	if len(f) == 3 && string(f[0]) == "CLIENT_RANDOM" {
		cr, err1 := hex.DecodeString(string(f[1]))
		ms, err2 := hex.DecodeString(string(f[2]))
		if err1 == nil && err2 == nil {
			k.mu.Lock()
			clear(k.master)
			k.clientRandom, k.master = cr, ms
			k.mu.Unlock()
		}
	}
	return len(line), nil
}

// get returns copies of the client random and master secret.
func (k *keyLog) get() (cr, ms []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	return bytes.Clone(k.clientRandom), bytes.Clone(k.master)
}

// wipe forgets the master secret.
func (k *keyLog) wipe() {
	k.mu.Lock()
	clear(k.master)
	k.master = nil
	k.mu.Unlock()
}

// serverHelloRandom finds the server random in a server's first flight:
// the first record is a handshake record (type 22) that starts with the
// ServerHello (type 2), whose random follows its 2-octet version (RFC 5246
// §7.4.1.3). A ServerHello split across records is not found.
func serverHelloRandom(flight []byte) ([]byte, bool) {
	const off = 5 + 4 + 2 // record header, handshake header, version
	if len(flight) < off+32 || flight[0] != 22 || flight[5] != 2 {
		return nil, false
	}
	return bytes.Clone(flight[off : off+32]), true
}
