package session

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/platform"
)

// Defaults of Options.
const (
	// DefaultTimeout bounds one negotiation, from the first IKE_SA_INIT to
	// the configured system; strongSwan's retransmissions give up later,
	// but a user waiting for `espressoctl up` should not wait longer.
	DefaultTimeout = time.Minute
	// DefaultRetryDelay is how long an on-demand profile's trap stays
	// disarmed after a failed negotiation, so a stream of packets cannot
	// turn into a stream of negotiations.
	DefaultRetryDelay = 5 * time.Second
	// DefaultChildGrace is how long an IKE SA may stay without a Child SA
	// before the session gives it up: a gateway whose Child SA expired
	// creates a new one at once (strongSwan does), and a tunnel without
	// one carries nothing.
	DefaultChildGrace = 10 * time.Second
)

// Resolver looks up the gateway's addresses; *net.Resolver is one.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// Options configure a Connector.
type Options struct {
	// Negotiator runs IKEv2. Required.
	Negotiator Negotiator
	// Logger receives the session's progress; nil discards it.
	Logger Logger
	// Resolver resolves gateway host names; nil means
	// platform.MarkedResolver with the profile's fwmark, or
	// platform.KillSwitchMark, so that the look-up passes a kill switch
	// that blocks everyone else's DNS while the tunnel is down.
	Resolver Resolver
	// Timeout bounds a negotiation; 0 means DefaultTimeout.
	Timeout time.Duration
	// RetryDelay is DefaultRetryDelay when 0.
	RetryDelay time.Duration
	// ChildGrace is DefaultChildGrace when 0.
	ChildGrace time.Duration
	// Workers is the number of the ESP engine's crypto goroutines; 0
	// means one per CPU.
	Workers int
	// DropReport is how often a session logs its new drops while the
	// Logger keeps debug entries; 0 means ten seconds.
	DropReport time.Duration
	// Addresses remembers each profile's last virtual IPs for its next
	// on-demand session; nil remembers nothing.
	Addresses AddressBook
	// Claims are what the connections route; nil means the Connector's
	// own. A connection whose networks overlap another's is refused.
	Claims *platform.Claims
}

// Connector is the helper's Dialer: it connects profiles over a
// platform.Network.
type Connector struct {
	net  platform.Network
	opts Options
}

var _ Dialer = (*Connector)(nil)

// NewConnector returns a Connector that configures the system through n.
func NewConnector(n platform.Network, opts Options) *Connector {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.RetryDelay <= 0 {
		opts.RetryDelay = DefaultRetryDelay
	}
	if opts.ChildGrace <= 0 {
		opts.ChildGrace = DefaultChildGrace
	}
	if opts.Logger == nil {
		opts.Logger = discard{}
	}
	if opts.DropReport <= 0 {
		opts.DropReport = defaultDropReport
	}
	if opts.Claims == nil {
		opts.Claims = new(platform.Claims)
	}
	return &Connector{net: n, opts: opts}
}

type discard struct{}

func (discard) Logf(api.Level, string, string, ...any) {}

// debugEnabled reports whether the Connector's Logger keeps debug entries.
func (c *Connector) debugEnabled() bool {
	l, ok := c.opts.Logger.(LevelLogger)
	return ok && l.Enabled(api.LevelDebug)
}

// Dial implements Dialer. It returns once the first Child SA is in
// the engine and the system is configured; for an on-demand profile, once
// the routes and the trap are in.
func (d *Connector) Dial(ctx context.Context, a Attempt) (Conn, error) {
	if d.net == nil || d.opts.Negotiator == nil {
		return nil, ErrUnavailable
	}
	st, err := newSettings(a, time.Now())
	if err != nil {
		return nil, err
	}
	// The networks the profile asks for are known before anything is
	// opened; the granted ones are claimed again before their routes go
	// in (setTunnel).
	if err := d.opts.Claims.Check(st.name, st.networks()); err != nil {
		st.wipe()
		return nil, configError(err)
	}
	if st.onDemand && d.opts.Addresses != nil {
		st.setLastVIPs(d.opts.Addresses.Last(st.name, st.host))
	}
	s := newSession(d, st)
	if err := s.takePrompt(a.Prompt); err != nil {
		st.wipe()
		return nil, err
	}
	if err := s.open(ctx); err != nil {
		s.Close()
		return nil, err
	}
	s.start()
	if st.onDemand {
		s.logf(api.LevelInfo, "on demand: routes for %v in place; the first packet starts the negotiation", st.remoteTS)
		return s, nil
	}
	if err := s.waitUp(ctx, d.opts.Timeout); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// open prepares everything a negotiation needs: the gateway's address and
// path, the sockets, the TUN devices and the engine between them.
func (s *Session) open(ctx context.Context) error {
	st := s.st
	addr, err := s.resolve(ctx)
	if err != nil {
		return err
	}
	s.peer = netip.AddrPortFrom(addr, st.port)
	s.info.Peer = s.peer // for the kill switch, also while on demand
	if s.hop, err = s.d.net.RouteTo(addr); err != nil {
		return WithCode(api.FailurePeerUnreachable, fmt.Errorf("no route to the gateway %s: %w", addr, err))
	}
	// The sockets are bound to the unspecified address of the gateway's
	// family, so that they keep working from whatever address the path
	// takes later: MOBIKE then moves the SAs to a new address without a
	// new negotiation (RFC 4555 §3.5). The route's source is what the
	// gateway sees of us without NAT, for NAT detection (RFC 7296 §2.23).
	unspec := netip.IPv6Unspecified()
	if addr.Is4() {
		unspec = netip.IPv4Unspecified()
	}
	s.local = unspec
	if src := s.hop.Source; src.IsValid() && src.Is4() == addr.Is4() {
		s.local = src
	}
	udp := platform.UDPConfig{Addr: netip.AddrPortFrom(unspec, 0), FwMark: st.fwmark}
	// Only the IKE socket reports ICMP errors: it carries IKE_SA_INIT,
	// where an unreachable gateway shows; ESP on the NAT-T socket has no
	// use for them.
	ikeUDP := udp
	ikeUDP.ReportUnreachable = true
	if s.ikeT, err = s.d.net.ListenUDP(ikeUDP); err != nil {
		return WithCode(api.FailureSystemConfig, fmt.Errorf("IKE socket: %w", err))
	}
	if s.nattT, err = s.d.net.ListenUDP(udp); err != nil {
		return WithCode(api.FailureSystemConfig, fmt.Errorf("NAT-T socket: %w", err))
	}
	if st.rawESP {
		s.rawT, err = s.d.net.ListenRawESP(platform.RawESPConfig{Local: unspec, FwMark: st.fwmark})
		if err != nil {
			// ESP in UDP always works; raw ESP is an optimisation.
			s.logf(api.LevelWarn, "raw ESP unavailable, using UDP encapsulation: %v", err)
			s.rawT = nil
		}
	}
	if s.tunnel, err = s.d.net.Open(st.name); err != nil {
		return WithCode(api.FailureSystemConfig, fmt.Errorf("tunnel: %w", err))
	}
	// The device must exist before the engine starts; the first Set
	// creates it. On demand, the routes go in with it.
	var first *platform.Config
	if st.onDemand {
		first = st.platformConfig(addr, s.hop, nil)
	} else {
		first = &platform.Config{MTU: st.mtu}
	}
	if err = s.setTunnel(first); err != nil {
		return configError(err)
	}
	dev := s.engineDevice()
	cfg := datapath.Config{
		Device:  dev,
		UDP:     s.nattT,
		MTU:     st.mtu,
		Workers: s.d.opts.Workers,
		// A reader waits for room rather than dropping what it has read:
		// under overload the excess is then dropped where it enters, by
		// the TUN device's or the socket's queue, before it cost a read,
		// a seal and a send on this side and a receive and an open on the
		// peer's. In-engine drops of batches that may hold one packet each
		// also cut TCP flows that only burst. Memory stays bounded by the
		// engine's pools either way.
		Backpressure: true,
		// Linux's shared TUN device batches (BatchSize above 1) only with
		// its offloads on, and then coalesces what it is given (GRO).
		CoalesceWrites: s.mux == nil && dev.BatchSize() > 1,
	}
	if s.rawT != nil {
		cfg.Raw = s.rawT
	}
	if s.eng, err = datapath.New(cfg); err != nil {
		return WithCode(api.FailureSystemConfig, fmt.Errorf("data path: %w", err))
	}
	s.queueDrops = newQueueDrops(s.tunnel, s.nattT, s.rawT)
	s.dp = ike.NewEngineDataPath(s.eng)
	s.eng.SetIKEHandler(s.deliverNATT)
	return nil
}

// resolve returns the gateway's address: the profile's own or the one
// the attempt looked up already, or else the first the resolver gives.
func (s *Session) resolve(ctx context.Context) (netip.Addr, error) {
	if s.st.gateway.IsValid() {
		return s.st.gateway, nil
	}
	r := s.d.opts.Resolver
	if r == nil {
		mark := s.st.fwmark
		if mark == 0 {
			mark = platform.KillSwitchMark
		}
		r = platform.MarkedResolver(mark)
	}
	addrs, err := r.LookupNetIP(ctx, "ip", s.st.host)
	if err != nil {
		return netip.Addr{}, WithCode(api.FailureDNS, fmt.Errorf("cannot resolve the gateway %s: %w", s.st.host, err))
	}
	if len(addrs) == 0 {
		return netip.Addr{}, WithCode(api.FailureDNS, fmt.Errorf("cannot resolve the gateway %s: no address", s.st.host))
	}
	return addrs[0].Unmap(), nil
}

// configError marks the platform's refusals of a configuration as
// permanent: the profile must change first. Every failure to configure
// the system is shown as such (api.FailureSystemConfig).
func configError(err error) error {
	var pe *platform.PeerSelectorError
	var ce *platform.ConfigError
	var oe *platform.OverlapError
	if errors.As(err, &oe) {
		return Permanent(err)
	}
	if errors.As(err, &pe) || errors.As(err, &ce) {
		return Permanent(fmt.Errorf("system configuration: %w", err))
	}
	return WithCode(api.FailureSystemConfig, fmt.Errorf("system configuration: %w", err))
}
