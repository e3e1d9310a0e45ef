// Package ikev2 binds helper/session's Negotiator seam to the IKEv2
// initiator of ipsec/ike: it turns a session's Params into an ike.Config,
// passes the datagrams the session reads to the Daemon, the Daemon's Child
// SAs to the session's data path and its events back to the session.
package ikev2

import (
	"errors"
	"fmt"
	"log/slog"
	"net/netip"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/ike"
)

// Initiator is the helper's session.Negotiator.
type Initiator struct {
	// Logger receives the protocol's progress; nil sends it to the
	// session's log (Plumbing.Logf), if any.
	Logger *slog.Logger
}

var _ session.Negotiator = Initiator{}

// Start implements session.Negotiator: it starts an ike.Daemon that sends
// its IKE_SA_INIT at once.
func (in Initiator) Start(p session.Params, io session.Plumbing) (session.Negotiation, error) {
	cfg, err := config(p)
	if err != nil {
		return nil, err
	}
	logger := in.Logger
	if logger == nil && io.Logf != nil {
		logger = slog.New(logHandler{logf: io.Logf})
	}
	d, err := ike.New(cfg, ike.Sockets{IKE: io.IKE, NATT: io.NATT, External: true}, ike.Options{
		DataPath:  dataPath{io.DataPath},
		OnEvent:   func(ev ike.Event) { forward(io.OnEvent, ev) },
		Logger:    logger,
		LocalAddr: p.LocalAddr,
	})
	if err != nil {
		return nil, err
	}
	return negotiation{d}, nil
}

// config translates the session's parameters.
func config(p session.Params) (ike.Config, error) {
	cfg := ike.Config{
		Remote:       p.Remote,
		PSK:          p.PSK,
		Cert:         p.Cert,
		Key:          p.Key,
		CAs:          p.CAs,
		IKEProposals: p.IKEProposals,
		ESPProposals: p.ESPProposals,
		RemoteTS:     p.RemoteTS,
		VirtualIPv4:  p.VirtualIPv4,
		VirtualIPv6:  p.VirtualIPv6,
		RawESP:       p.RawESP,
		DPDDelay:     p.DPD,
		DPDTimeout:   p.DPDTimeout,
		SetupTimeout: p.SetupTimeout,
		NATKeepalive: p.NATKeepalive,
	}
	switch p.Auth {
	case api.AuthPSK:
		cfg.LocalAuth, cfg.RemoteAuth = ike.AuthPSK, ike.AuthPSK
	case api.AuthCert:
		cfg.LocalAuth, cfg.RemoteAuth = ike.AuthCert, ike.AuthCert
	case api.AuthEAPMSCHAPv2, api.AuthEAPTLS:
		// The gateway proves itself with a certificate first (RFC 7296
		// §2.16); the EAP method's MSK then keys our AUTH.
		cfg.LocalAuth, cfg.RemoteAuth = ike.AuthEAP, ike.AuthCert
	default:
		return cfg, session.Permanent(fmt.Errorf("authentication %q is not supported", p.Auth))
	}
	var err error
	localID := p.LocalID
	if localID == "" {
		localID = p.Username
	}
	if localID != "" {
		if cfg.LocalID, err = ike.ParseIdentity(localID); err != nil {
			return cfg, &session.ProfileError{Field: api.FieldLocalID, Reason: err.Error()}
		}
	}
	if cfg.RemoteID, err = ike.ParseIdentity(p.RemoteID); err != nil {
		return cfg, &session.ProfileError{Field: api.FieldRemoteID, Reason: err.Error()}
	}
	switch p.Auth {
	case api.AuthEAPMSCHAPv2:
		cfg.EAP = mschapv2Peer(p.Username, p.Password)
	case api.AuthEAPTLS:
		cfg.EAP = tlsPeer(p, localID, cfg.RemoteID)
	}
	return cfg, nil
}

// negotiation is a running Daemon.
type negotiation struct{ d *ike.Daemon }

// Deliver implements session.Negotiation. The Daemon takes NAT-T
// datagrams as they arrive, with the non-ESP marker (RFC 3948 §2.2).
func (n negotiation) Deliver(b []byte, from netip.AddrPort, natt bool) {
	if natt {
		b = append(make([]byte, esp.NonESPMarkerLen, esp.NonESPMarkerLen+len(b)), b...)
	}
	n.d.Deliver(b, from, natt)
}

// Unreachable implements session.Negotiation.
func (n negotiation) Unreachable(dest netip.AddrPort) { n.d.Unreachable(dest) }

// RekeyChild implements session.Negotiation.
func (n negotiation) RekeyChild() { n.d.RekeyChild() }

// Close implements session.Negotiation.
func (n negotiation) Close() error { return n.d.Close() }

// dataPath hands the Daemon's Child SAs to the session, and the session's
// traffic counters to the Daemon.
type dataPath struct{ dp session.DataPath }

var _ ike.TrafficCounter = dataPath{}

func (p dataPath) AddInbound(sa *ike.ChildSA) error { return p.dp.AddInbound(child(sa)) }

func (p dataPath) SetOutbound(sa *ike.ChildSA, replaces uint32) error {
	return p.dp.SetOutbound(child(sa), replaces)
}

func (p dataPath) Remove(sa *ike.ChildSA) error { return p.dp.Remove(child(sa)) }

func (p dataPath) Traffic(sa *ike.ChildSA) (in, out uint64, ok bool) {
	return p.dp.Traffic(child(sa))
}

func child(sa *ike.ChildSA) *session.ChildSA {
	return &session.ChildSA{
		ReqID:   sa.ReqID,
		Inbound: sa.Inbound, Outbound: sa.Outbound,
		LocalTS: sa.LocalTS, RemoteTS: sa.RemoteTS,
		Encap: sa.Encap, Remote: sa.Remote,
	}
}

// forward translates the Daemon's events; IKERekeyed changes nothing the
// session shows. A NAT is reported only when
// our own address is translated: a gateway that forces UDP encapsulation
// (strongSwan's kernel-libipsec does) claims a NAT of its own side with a
// NAT detection hash that cannot match (RFC 7296 §2.23), which says nothing
// about the path.
func forward(to func(session.Event), ev ike.Event) {
	switch ev := ev.(type) {
	case *ike.Established:
		to(&session.Established{
			IKEProposal: ev.IKEProposal, ESPProposal: ev.ESPProposal,
			VirtualIPs: ev.VirtualIPs, DNS: ev.DNS,
			NAT:     ev.LocalNAT,
			Encap:   ev.Child.Encap,
			LocalTS: ev.Child.LocalTS, RemoteTS: ev.Child.RemoteTS,
		})
	case *ike.ChildUp:
		to(&session.ChildUp{})
	case *ike.ChildDown:
		to(&session.ChildDown{ByPeer: ev.ByPeer})
	case *ike.ChildRekeyed:
		to(&session.ChildRekeyed{ESPProposal: ev.New.ESPProposal})
	case *ike.ChildRekeyFailed:
		to(&session.ChildRekeyFailed{Err: ev.Err})
	case *ike.Moved:
		to(&session.Moved{Local: ev.Local, Remote: ev.Remote, NAT: ev.LocalNAT})
	case *ike.Reauthenticated:
		to(&session.Reauthenticated{
			Established: session.Established{
				IKEProposal: ev.IKEProposal, ESPProposal: ev.ESPProposal,
				VirtualIPs: ev.VirtualIPs, DNS: ev.DNS,
				Encap:   ev.Child.Encap,
				LocalTS: ev.Child.LocalTS, RemoteTS: ev.Child.RemoteTS,
			},
			VirtualIPsChanged: ev.VirtualIPsChanged,
		})
	case *ike.ReauthFailed:
		to(&session.ReauthFailed{Err: ev.Err})
	case *ike.Down:
		to(&session.Down{Err: classify(ev.Err)})
	}
}

// permanentErrs are the failures that dialling again cannot fix.
var permanentErrs = []error{
	ike.ErrAuthFailed, ike.ErrNoProposalChosen, ike.ErrTSUnacceptable,
	ike.ErrCertNotTrusted, ike.ErrIdentityMismatch, ike.ErrConfigRefused,
}

// classify marks the failures the connection manager must not retry.
func classify(err error) error {
	for _, p := range permanentErrs {
		if errors.Is(err, p) {
			return session.Permanent(err)
		}
	}
	return err
}
