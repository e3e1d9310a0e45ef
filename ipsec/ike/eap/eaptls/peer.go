package eaptls

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/auth"
	"github.com/espressovpn/espresso/ipsec/ike/eap"
	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// Config configures the EAP-TLS peer.
type Config struct {
	// Certificate is our client certificate chain and its private key.
	Certificate tls.Certificate
	// Roots are the CAs of the profile, which must sign the gateway's
	// certificate.
	Roots *x509.CertPool
	// ServerID is the identity the gateway's certificate must carry (the
	// profile's remote_id), checked as for IKE certificates (RFC 4945
	// §3.1). The zero Identity checks the chain only.
	ServerID wire.Identity
	// MinVersion and MaxVersion bound the TLS version; zero means 1.2 and
	// 1.3.
	MinVersion, MaxVersion uint16
	// FragmentSize is the most TLS data per EAP packet; zero means
	// DefaultFragmentSize.
	FragmentSize int
	// Time is the clock for certificate validity; nil means time.Now.
	Time func() time.Time
	// Rand is the TLS randomness; nil means crypto/rand.
	Rand io.Reader
}

// Peer is the peer side of EAP-TLS, an eap.Method. Its TLS goroutine stops
// when the handshake ends; Close stops it in any case, and eap.Peer calls
// Close when the conversation ends or is abandoned.
type Peer struct {
	cfg       Config
	s         session
	reasm     reassembler
	frag      fragmenter
	serverRnd []byte
	verifyErr error
	failed    bool
}

// NewPeer returns a Peer for cfg.
func NewPeer(cfg Config) *Peer {
	if cfg.FragmentSize <= 0 {
		cfg.FragmentSize = DefaultFragmentSize
	}
	if cfg.Time == nil {
		cfg.Time = time.Now
	}
	p := &Peer{cfg: cfg}
	p.frag.size = cfg.FragmentSize
	p.s.pipe = newPipe()
	min, max := cfg.MinVersion, cfg.MaxVersion
	if min == 0 {
		min = tls.VersionTLS12
	}
	if max == 0 {
		max = tls.VersionTLS13
	}
	p.s.conn = tls.Client(p.s.pipe, &tls.Config{
		Certificates: []tls.Certificate{cfg.Certificate},
		// The gateway's certificate is checked below with IKE's rules and
		// identity types instead of TLS host names.
		InsecureSkipVerify:    true,
		VerifyPeerCertificate: p.verify,
		MinVersion:            min,
		MaxVersion:            max,
		Time:                  cfg.Time,
		Rand:                  cfg.Rand,
		KeyLogWriter:          &p.s.keyLog,
	})
	return p
}

// verify checks the gateway's chain against Roots and its identity.
func (p *Peer) verify(raw [][]byte, _ [][]*x509.Certificate) error {
	err := func() error {
		if len(raw) == 0 {
			return fmt.Errorf("%w: the server sent no certificate", auth.ErrCertUntrusted)
		}
		certs := make([]*x509.Certificate, len(raw))
		for i, r := range raw {
			c, err := x509.ParseCertificate(r)
			if err != nil {
				return fmt.Errorf("%w: server certificate: %v", auth.ErrCertUntrusted, err)
			}
			certs[i] = c
		}
		if err := auth.VerifyChain(certs[0], certs[1:], p.cfg.Roots, p.cfg.Time()); err != nil {
			return err
		}
		if len(p.cfg.ServerID.Data) > 0 {
			return auth.MatchCertificate(p.cfg.ServerID, certs[0])
		}
		return nil
	}()
	if err != nil {
		p.verifyErr = fmt.Errorf("%w: %w", eap.ErrAuthenticatorUnproven, err)
	}
	return err
}

// Type returns eap.TypeTLS.
func (p *Peer) Type() eap.Type { return eap.TypeTLS }

// Process handles one EAP-TLS Request: the Start, a fragment, an
// acknowledgement of our fragment, or a whole flight of the server's.
func (p *Peer) Process(data []byte) ([]byte, error) {
	if p.failed {
		return nil, fmt.Errorf("%w: EAP-TLS already failed", eap.ErrUnexpected)
	}
	resp, err := p.process(data)
	if err != nil {
		p.failed = true
	}
	return resp, err
}

func (p *Peer) process(data []byte) ([]byte, error) {
	if len(data) < 1 {
		return nil, fmt.Errorf("%w: EAP-TLS packet without flags", eap.ErrMalformed)
	}
	if !p.s.started {
		if data[0]&flagStart == 0 {
			return nil, fmt.Errorf("%w: EAP-TLS began without Start", eap.ErrUnexpected)
		}
		out, ended := p.s.start(p.run)
		return p.emit(out, ended)
	}
	if data[0]&flagStart != 0 {
		return nil, fmt.Errorf("%w: a second EAP-TLS Start", eap.ErrUnexpected)
	}
	if p.frag.pending() {
		// RFC 5216 §2.1.5: the server acknowledges each of our fragments
		// with an empty Request.
		if len(data) != 1 {
			return nil, fmt.Errorf("%w: data while our fragments are acknowledged", eap.ErrUnexpected)
		}
		return p.frag.next(), nil
	}
	msg, more, err := p.reasm.add(data)
	if err != nil {
		return nil, err
	}
	if more {
		return ack, nil
	}
	if p.serverRnd == nil {
		p.serverRnd, _ = serverHelloRandom(msg)
	}
	out, ended := p.s.pipe.exchange(msg)
	return p.emit(out, ended)
}

// emit turns what the TLS goroutine produced into our Response.
func (p *Peer) emit(out []byte, ended bool) ([]byte, error) {
	switch err := p.s.hsErr; {
	case p.verifyErr != nil:
		return nil, p.verifyErr
	case err != nil && remoteAlert(err), p.s.postErr != nil && remoteAlert(p.s.postErr):
		// RFC 5216 §2.1.3: the server refused us with an alert; we
		// acknowledge it and it ends with an EAP Failure.
		return ack, fmt.Errorf("%w: the gateway refused our certificate: %v", eap.ErrRejected, errors.Join(err, p.s.postErr))
	case err != nil:
		return nil, fmt.Errorf("%w: TLS handshake: %v", eap.ErrMethodFailed, err)
	case p.s.postErr != nil:
		return nil, fmt.Errorf("%w: TLS after the handshake: %v", eap.ErrMethodFailed, p.s.postErr)
	case ended && !p.s.hsDone:
		return nil, fmt.Errorf("%w: TLS stopped", eap.ErrMethodFailed)
	}
	if len(out) == 0 {
		// After the server's final flight (or its TLS 1.3 commitment) the
		// peer answers with an empty EAP-TLS Response (RFC 5216 §2.1.1,
		// RFC 9190 §2.1.1).
		return ack, nil
	}
	p.frag.set(out)
	return p.frag.next(), nil
}

// run is the TLS goroutine: the handshake, and for TLS 1.3 the wait for
// the server's commitment message, one octet 0x00 of application data
// (RFC 9190 §2.5). A close_notify, which drafts of RFC 9190 used and some
// servers still send, counts as commitment too.
func (p *Peer) run() {
	if err := p.s.conn.Handshake(); err != nil {
		p.s.hsErr = err
		return
	}
	p.s.state = p.s.conn.ConnectionState()
	p.s.hsDone = true
	if p.s.state.Version != tls.VersionTLS13 {
		return
	}
	var b [1]byte
	n, err := p.s.conn.Read(b[:])
	switch {
	case n == 1 && b[0] == 0, n == 0 && errors.Is(err, io.EOF):
		p.s.committed = true
	case err != nil:
		p.s.postErr = err
	default:
		p.s.postErr = fmt.Errorf("application data %#x instead of the commitment message", b[0])
	}
}

// Complete reports whether the handshake finished, with the gateway's
// certificate verified, and for TLS 1.3 whether the server committed to
// no further handshake messages.
func (p *Peer) Complete() bool {
	return !p.failed && p.s.hsDone && (p.s.state.Version != tls.VersionTLS13 || p.s.committed)
}

// Version returns the negotiated TLS version once the handshake finished.
func (p *Peer) Version() uint16 { return p.s.state.Version }

// MSK returns the 64-octet MSK once Complete.
func (p *Peer) MSK() ([]byte, error) {
	if !p.Complete() {
		return nil, fmt.Errorf("%w: EAP-TLS has not completed", eap.ErrUnexpected)
	}
	return deriveMSK(p.s.state, &p.s.keyLog, p.serverRnd)
}

// Close stops the TLS goroutine and forgets the master secret; take the MSK
// before. eap.Peer does both when the conversation ends.
func (p *Peer) Close() error {
	p.s.close()
	return nil
}
