package eaptls

import (
	"crypto/tls"
	"fmt"

	"github.com/espressovpn/espresso/ipsec/ike/eap"
)

// Authenticator is the authenticator side of EAP-TLS, an
// eap.AuthenticatorMethod for in-process tests and the IKE responder. It
// runs crypto/tls as the server with the given configuration, which should
// demand and verify a client certificate (ClientAuth).
type Authenticator struct {
	s         session
	reasm     reassembler
	frag      fragmenter
	serverRnd []byte
	// final is set once the last flight (or alert) has been sent: the
	// peer's next empty Response ends the method.
	final bool

	msk    []byte
	mskErr error
}

// NewAuthenticator returns an Authenticator. fragmentSize zero means
// DefaultFragmentSize. Session tickets are turned off: a TLS 1.3 server
// would otherwise send them after the handshake, which RFC 9190 §2.1.1
// allows but no test needs.
func NewAuthenticator(cfg *tls.Config, fragmentSize int) *Authenticator {
	if fragmentSize <= 0 {
		fragmentSize = DefaultFragmentSize
	}
	cfg = cfg.Clone()
	cfg.SessionTicketsDisabled = true
	a := &Authenticator{}
	cfg.KeyLogWriter = &a.s.keyLog
	a.frag.size = fragmentSize
	a.s.pipe = newPipe()
	a.s.conn = tls.Server(a.s.pipe, cfg)
	return a
}

// Type returns eap.TypeTLS.
func (a *Authenticator) Type() eap.Type { return eap.TypeTLS }

// Start returns the EAP-TLS Start (RFC 5216 §2.1.1) and starts the TLS
// goroutine, which waits for the ClientHello.
func (a *Authenticator) Start() ([]byte, error) {
	out, _ := a.s.start(a.run)
	if len(out) != 0 {
		return nil, fmt.Errorf("%w: TLS server spoke first", eap.ErrMethodFailed)
	}
	return []byte{flagStart}, nil
}

// run is the TLS goroutine: the handshake, then for TLS 1.3 the commitment
// message (RFC 9190 §2.5).
func (a *Authenticator) run() {
	if err := a.s.conn.Handshake(); err != nil {
		a.s.hsErr = err
		return
	}
	a.s.state = a.s.conn.ConnectionState()
	a.s.hsDone = true
	if a.s.state.Version == tls.VersionTLS13 {
		if _, err := a.s.conn.Write([]byte{0}); err != nil {
			a.s.postErr = err
			return
		}
		a.s.committed = true
	}
}

// Process handles one EAP-TLS Response.
func (a *Authenticator) Process(data []byte) ([]byte, eap.Outcome, error) {
	if a.frag.pending() {
		if len(data) != 1 {
			return nil, eap.Reject, fmt.Errorf("%w: data while our fragments are acknowledged", eap.ErrUnexpected)
		}
		return a.frag.next(), eap.Continue, nil
	}
	if a.final {
		defer a.s.close()
		if len(data) != 1 || a.s.hsErr != nil || a.s.postErr != nil || !a.s.hsDone {
			return nil, eap.Reject, nil
		}
		// Before close wipes the master secret.
		a.msk, a.mskErr = deriveMSK(a.s.state, &a.s.keyLog, a.serverRnd)
		return nil, eap.Accept, nil
	}
	msg, more, err := a.reasm.add(data)
	if err != nil {
		return nil, eap.Reject, err
	}
	if more {
		return ack, eap.Continue, nil
	}
	out, ended := a.s.pipe.exchange(msg)
	if a.serverRnd == nil {
		a.serverRnd, _ = serverHelloRandom(out)
	}
	if ended || a.s.hsDone {
		// The last flight: Finished (TLS 1.2), the commitment (TLS 1.3),
		// or an alert.
		a.final = true
	}
	if len(out) == 0 {
		if a.final {
			a.s.close()
			return nil, eap.Reject, nil
		}
		return nil, eap.Reject, fmt.Errorf("%w: the TLS server had nothing to say", eap.ErrMethodFailed)
	}
	a.frag.set(out)
	return a.frag.next(), eap.Continue, nil
}

// Err returns why the handshake failed on the server side, if it did.
func (a *Authenticator) Err() error { return a.s.hsErr }

// MSK returns the MSK after Accept.
func (a *Authenticator) MSK() ([]byte, error) {
	if a.msk == nil && a.mskErr == nil {
		return nil, fmt.Errorf("%w: EAP-TLS has not completed", eap.ErrUnexpected)
	}
	return a.msk, a.mskErr
}

// Close stops the TLS goroutine.
func (a *Authenticator) Close() error {
	a.s.close()
	return nil
}
