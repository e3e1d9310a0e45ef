package ike

import (
	"net/netip"
	"time"

	"github.com/espressovpn/espresso/ipsec/ike/wire"
)

// authRequest answers the initiator's IKE_AUTH (§1.2): it checks the
// initiator's authentication, authenticates us, hands out the requested
// configuration and creates the first Child SA. With EAP (§2.16) the
// answer is our authentication and the first EAP Request instead, and
// the exchange goes on in eapRequest.
func (d *Daemon) authRequest(sa *ikeSA, h wire.Header, ps wire.Payloads) {
	if sa.initiator || sa.established {
		d.xchg.respond(sa, h, wire.Payloads{wire.NewNotify(wire.InvalidSyntax, nil)})
		return
	}
	if sa.eap != nil {
		d.eapRequest(sa, h, ps)
		return
	}
	idi, _ := wire.First[*wire.IDi](ps)
	if idi == nil {
		d.xchg.respond(sa, h, wire.Payloads{wire.NewNotify(wire.AuthenticationFailed, nil)})
		d.fail(sa, &AuthError{Reason: "IKE_AUTH request without identity"})
		return
	}
	if d.cfg.RemoteAuth == AuthEAP {
		d.startEAP(sa, h, idi.Identity, ps)
		return
	}
	if err := d.checkPeerAuth(sa, idi.Identity, ps, sa.initReq, sa.nr); err != nil {
		d.refuseAuth(sa, h, err)
		return
	}
	out, err := d.responderAuth(sa)
	if err != nil {
		d.refuseAuth(sa, h, err)
		return
	}
	d.answerAuth(sa, h, out, ps, idi.Identity)
}

// refuseAuth answers AUTHENTICATION_FAILED; the half-open SA is then gone
// (§2.21.2).
func (d *Daemon) refuseAuth(sa *ikeSA, h wire.Header, err error) {
	d.xchg.respond(sa, h, wire.Payloads{wire.NewNotify(wire.AuthenticationFailed, nil)})
	d.fail(sa, err)
}

// responderAuth returns our identity, certificates and AUTH payload.
func (d *Daemon) responderAuth(sa *ikeSA) (wire.Payloads, error) {
	id := localIdentity(&d.cfg, d.localAddr().Addr())
	sa.localID = id
	out := wire.Payloads{&wire.IDr{Identity: id}}
	if d.cfg.LocalAuth == AuthCert {
		for _, c := range d.cfg.Cert {
			out = append(out, &wire.Certificate{Encoding: wire.CertX509Signature, Data: c.Raw})
		}
	}
	auth, err := d.authPayload(sa, sa.initRsp, sa.ni, id)
	if err != nil {
		return nil, err
	}
	return append(out, auth), nil
}

// answerAuth completes IKE_AUTH as responder once the initiator is
// authenticated: out (our authentication) goes with the configuration and
// the first Child SA, which req, the initiator's first request, asked for.
func (d *Daemon) answerAuth(sa *ikeSA, h wire.Header, out, req wire.Payloads, peer wire.Identity) {
	ps := req
	sa.established = true
	prevVIPs := d.vips
	if d.cfg.AuthLifetime > 0 {
		// RFC 4478 §3: the initiator reauthenticates before this.
		out = append(out, wire.NewAuthLifetime(uint32(max(1, d.cfg.AuthLifetime/time.Second))))
	}
	if !d.cfg.DisableMOBIKE && ps.Notify(wire.MOBIKESupported) != nil {
		// RFC 4555 §3.2: in the response that carries the SA payload.
		d.mobike.enabled = true
		out = append(out, wire.NewNotify(wire.MOBIKESupported, nil))
	}
	cpReq, _ := wire.First[*wire.Configuration](ps)
	cp, vips := answerCfg(&d.cfg, cpReq)
	if cp != nil {
		out = append(out, cp)
	}
	d.vips, d.dns = vips, d.cfg.DNS
	// The initiator's side: its virtual addresses when it got some, else
	// what we accept from it.
	peerSide := selectors(d.cfg.RemoteTS)
	if len(vips) > 0 {
		peerSide = nil
		for _, v := range vips {
			peerSide = append(peerSide, wire.SelectorFromPrefix(netip.PrefixFrom(v, v.BitLen())))
		}
	}
	ch, errNotify := d.children.accept(sa, ps, false, nil, peerSide, selectors(d.cfg.LocalTS), sa.ni, sa.nr)
	if errNotify != nil {
		// The IKE SA stands without a Child SA (§1.2); the initiator decides.
		d.xchg.respond(sa, h, append(out, errNotify))
		if sa == d.reauth {
			d.reauthFailed(&NotifyError{Exchange: wire.IKEAuth, Type: errNotify.NotifyType})
			return
		}
		d.established(sa, peer, &child{sa: &ChildSA{}})
		return
	}
	out = append(out, answerSA(ch.number, wire.ProtocolESP, spiBytes(ch.c.inSPI), ch.c.prop),
		&wire.TSi{Selectors: ch.c.remoteTS}, &wire.TSr{Selectors: ch.c.localTS})
	d.xchg.respond(sa, h, out)
	if sa == d.reauth {
		d.reauthAccepted(sa, peer, ch.c, prevVIPs)
		return
	}
	if err := d.children.activate(ch.c, nil); err != nil {
		d.fail(sa, err)
		return
	}
	d.children.list = append(d.children.list, ch.c)
	d.established(sa, peer, ch.c)
}
