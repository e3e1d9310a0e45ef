// Package eaptls implements EAP-TLS (RFC 5216, and RFC 9190 for TLS 1.3):
// the peer, which authenticates with a client certificate and checks the
// gateway's certificate against the profile's CA and identity, and an
// authenticator for in-process tests.
//
// crypto/tls does the TLS work over an in-memory connection (pipe.go). A
// handshake is blocking code, so each endpoint runs it in one goroutine
// that the endpoint owns: it stops when the handshake ends, and Close stops
// it when a conversation is abandoned half-way.
//
// The MSK is the first 64 octets of the keying material of RFC 5216 §2.3
// (TLS 1.2: PRF(master_secret, "client EAP encryption", client.random |
// server.random)) or RFC 9190 §2.3 (TLS 1.3: the TLS-Exporter with label
// "EXPORTER_EAP_TLS_Key_Material" and context 0x0D); msk.go explains how
// crypto/tls yields them.
package eaptls
