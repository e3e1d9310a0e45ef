package core

import (
	"crypto/rand"
	"errors"
	"io"
	"log/slog"
	"net/netip"
	"sync"
	"time"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/socket"
)

// Options are a Conn's collaborators.
type Options struct {
	// Clock drives every timer; nil means SystemClock.
	Clock Clock
	// Rand supplies SPIs, nonces and private keys; nil means crypto/rand.
	Rand io.Reader
	// DataPath receives the Child SAs; nil negotiates without installing.
	DataPath DataPath
	// OnEvent receives the events, on the Conn's goroutine: it must not
	// block for long nor call the Conn's methods that wait (Close).
	OnEvent func(Event)
	// Logger gets protocol progress; nil discards it. No key material is
	// ever logged.
	Logger *slog.Logger
	// ReqID names the connection's Child SAs in the data path; 0 means
	// DefaultReqID.
	ReqID uint32
	// LocalAddr is our address as the peer should see it without NAT, for
	// NAT detection, when the sockets are bound to an unspecified address.
	LocalAddr netip.Addr
}

// Sockets are the UDP sockets of a Conn: IKE on port 500 and NATT on port
// 4500, where IKE messages follow the non-ESP marker and ESP shares the
// socket (RFC 3948 §2.2). NATT may be nil, which keeps IKE on IKE's port
// and ESP unencapsulated.
type Sockets struct {
	IKE, NATT socket.Transport
	// External means the owner reads the sockets and hands the IKE
	// datagrams to Deliver; the Conn then only writes to them and does not
	// close them. Otherwise the Conn reads them, drops ESP found on NATT
	// (an engine that shares the socket reads that itself: EngineNATT),
	// and closes them in Close.
	External bool
}

// Machine runs one connection's IKE SA and Child SAs; the roles and parts
// share it, its owner holds the Conn handle.
type Machine struct {
	Cfg   Config
	opt   Options
	Clock Clock
	Rand  io.Reader
	Log   *slog.Logger
	socks Sockets

	inbox chan Datagram
	cmds  chan func()
	quit  chan struct{}
	done  chan struct{}
	once  sync.Once
	wg    sync.WaitGroup

	// State below is owned by the run goroutine.
	role     Role
	Xchg     exchanges
	Children childSAs
	rekey    rekeying
	Mobike   mobility
	live     liveness
	Remote   netip.AddrPort
	NATT     bool
	SA       *IKESA
	Old      []*IKESA
	// Reauth is the IKE SA negotiated from scratch beside sa to replace
	// it, while a reauthentication runs (reauth.go).
	Reauth    *IKESA
	LocalNAT  bool
	RemoteNAT bool
	VIPs, DNS []netip.Addr
	// DNSDomains came in the CFG_REPLY (RFC 8598).
	DNSDomains []string
	ended      bool
	// drops counts what receive dropped (drops.go).
	drops dropCounters
}

// Datagram is one received IKE message.
type Datagram struct {
	B    []byte
	From netip.AddrPort
	NATT bool
}

// inboxSize bounds the datagrams waiting for the run goroutine; more are
// dropped, as a flood must cost drops, not memory.
const inboxSize = 64

// NewRole builds a Conn's role; nil is the initiator's.
type NewRole func(*Machine) Role

// New validates cfg and starts a Conn in the role newRole builds: an
// initiator sends its IKE_SA_INIT at once, a responder waits for the
// peer's. Close stops it.
func New(cfg Config, socks Sockets, opt Options, newRole NewRole) (*Conn, error) {
	cfg.responder = newRole != nil
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if socks.IKE == nil {
		return nil, errors.New("ike: no IKE socket")
	}
	d := newConn(cfg, socks, opt, newRole)
	if !socks.External {
		d.wg.Add(1)
		go d.read(socks.IKE, false)
		if socks.NATT != nil {
			d.wg.Add(1)
			go d.read(socks.NATT, true)
		}
	}
	d.wg.Add(1)
	go d.run()
	return &Conn{d}, nil
}

// Detached builds a Machine of cfg whose goroutines are not started, for
// fuzzing: the caller drives Receive and StartRole itself.
func Detached(cfg Config, socks Sockets, opt Options, newRole NewRole) (*Machine, error) {
	cfg.responder = newRole != nil
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	d := newConn(cfg, socks, opt, newRole)
	d.inbox, d.cmds = make(chan Datagram, 1), make(chan func(), 1)
	return d, nil
}

// Receive handles one datagram as the run goroutine does.
func (d *Machine) Receive(dg Datagram) { d.receive(dg) }

// StartRole runs the role's start, as the run goroutine does first.
func (d *Machine) StartRole() { d.role.Start() }

// newConn builds a Conn of a valid cfg without starting its goroutines.
func newConn(cfg Config, socks Sockets, opt Options, newRole NewRole) *Machine {
	cfg = cfg.withDefaults()
	d := &Machine{
		Cfg:    cfg,
		opt:    opt,
		Clock:  opt.Clock,
		Rand:   opt.Rand,
		Log:    opt.Logger,
		socks:  socks,
		inbox:  make(chan Datagram, inboxSize),
		cmds:   make(chan func()),
		quit:   make(chan struct{}),
		done:   make(chan struct{}),
		Remote: cfg.Remote,
	}
	d.role = &initiator{Machine: d}
	if newRole != nil {
		d.role = newRole(d)
	}
	d.Xchg = exchanges{Machine: d}
	d.Children = childSAs{Machine: d}
	d.rekey = rekeying{Machine: d}
	d.live = liveness{Machine: d}
	d.Mobike = mobility{Machine: d, localIP: opt.LocalAddr.Unmap()}
	if d.Clock == nil {
		d.Clock = SystemClock{}
	}
	if d.Rand == nil {
		d.Rand = rand.Reader
	}
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	return d
}

// Close deletes the IKE SA with a single unacknowledged INFORMATIONAL (use
// Terminate first for an acknowledged delete), removes the Child SAs from
// the data path, wipes the keys, stops every goroutine, and closes the
// sockets it reads. It reports Down with a nil error unless the connection
// was already down.
func (d *Machine) Close() error {
	d.once.Do(func() { close(d.quit) })
	<-d.done
	if !d.socks.External {
		d.socks.IKE.Close()
		if d.socks.NATT != nil {
			d.socks.NATT.Close()
		}
	}
	d.wg.Wait()
	return nil
}

// Done is closed once the connection is down, by failure, by the peer or by
// Close.
func (d *Machine) Done() <-chan struct{} { return d.done }

// Deliver hands the Conn a datagram received on one of its sockets when
// Sockets.External is set: natt tells the port-4500 socket, where b still
// starts with the non-ESP marker. b is copied.
func (d *Machine) Deliver(b []byte, from netip.AddrPort, natt bool) {
	if natt {
		if esp.Classify(b) != esp.KindIKE {
			return
		}
		b = b[esp.NonESPMarkerLen:]
	}
	dg := Datagram{B: append([]byte(nil), b...), From: from, NATT: natt}
	select {
	case d.inbox <- dg:
	default:
	}
}

// Terminate starts an acknowledged delete of the IKE SA (RFC 7296 §1.4.1);
// Down follows once the peer answers or is given up.
func (d *Machine) Terminate() {
	d.post(func() { d.live.terminate() })
}

// RekeyChild starts a rekey of every Child SA now, as their lifetime would.
func (d *Machine) RekeyChild() {
	d.post(func() {
		for _, c := range d.Children.List {
			if c.state == childInstalled {
				d.rekey.rekeyChild(c)
			}
		}
	})
}

// RekeyIKE starts a rekey of the IKE SA now (RFC 7296 §2.18).
func (d *Machine) RekeyIKE() {
	d.post(func() { d.rekey.rekeyIKE() })
}

// post runs f on the run goroutine; it reports false once that has ended.
func (d *Machine) post(f func()) bool {
	select {
	case d.cmds <- f:
		return true
	case <-d.done:
		return false
	}
}

// After runs f on the run goroutine once dur has elapsed on the clock.
func (d *Machine) After(dur time.Duration, f func()) Timer {
	return d.Clock.AfterFunc(dur, func() { d.post(f) })
}

// run is the Conn's goroutine: every protocol state change happens here.
func (d *Machine) run() {
	defer d.wg.Done()
	defer close(d.done)
	d.role.Start()
	for !d.ended {
		select {
		case <-d.quit:
			d.shutdown()
			return
		case dg := <-d.inbox:
			d.receive(dg)
		case f := <-d.cmds:
			f()
		}
	}
}

// read feeds one socket's IKE datagrams to the run goroutine.
func (d *Machine) read(t socket.Transport, natt bool) {
	defer d.wg.Done()
	n := max(1, t.BatchSize())
	msgs := make([]socket.Datagram, n)
	for i := range msgs {
		msgs[i].Buf = make([]byte, 0, 65536)
	}
	for {
		got, err := t.ReadBatch(msgs)
		if err != nil {
			select {
			case <-d.quit:
				return
			default:
			}
			if errors.Is(err, socket.ErrClosed) || isClosed(err) {
				return
			}
			var ue *socket.UnreachableError
			if errors.As(err, &ue) {
				d.Unreachable(ue.Dest)
				continue
			}
			d.Log.Debug("ike: read", "err", err)
			time.Sleep(10 * time.Millisecond) // a transient error must not spin
			continue
		}
		for i := range got {
			b := msgs[i].Buf
			if natt {
				switch esp.Classify(b) {
				case esp.KindIKE:
					b = b[esp.NonESPMarkerLen:]
				default:
					continue
				}
			}
			dg := Datagram{B: append([]byte(nil), b...), From: msgs[i].Addr, NATT: natt}
			select {
			case d.inbox <- dg:
			case <-d.quit:
				return
			default:
				d.Log.Debug("ike: inbox full, datagram dropped")
			}
			msgs[i].Buf = msgs[i].Buf[:0]
		}
	}
}

// isClosed recognises the error of a read on a closed socket.
func isClosed(err error) bool {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if e.Error() == "use of closed network connection" {
			return true
		}
	}
	return errors.Is(err, io.EOF)
}

// emit reports an event to the owner.
func (d *Machine) emit(e Event) {
	if d.opt.OnEvent != nil {
		d.opt.OnEvent(e)
	}
}

// LocalAddr is our address on the socket in use.
func (d *Machine) LocalAddr() netip.AddrPort {
	s := d.socks.IKE
	if d.NATT && d.socks.NATT != nil {
		s = d.socks.NATT
	}
	a := s.LocalAddr()
	if d.Mobike.localIP.IsValid() && (d.Mobike.pathSet || a.Addr().IsUnspecified()) {
		a = netip.AddrPortFrom(d.Mobike.localIP, a.Port())
	}
	return a
}

// Down ends the connection: Child SAs leave the data path, keys are wiped,
// Down is reported and the run goroutine stops.
func (d *Machine) Down(err error) {
	if d.ended {
		return
	}
	d.ended = true
	d.role.Stop()
	d.rekey.stop()
	d.live.stop()
	for _, c := range append(d.Children.List, d.Children.retired...) {
		d.Children.remove(c)
	}
	d.Children.List, d.Children.retired = nil, nil
	for _, sa := range append(d.Old, d.SA, d.Reauth) {
		sa.End()
	}
	d.Old, d.SA, d.Reauth = nil, nil, nil
	if err != nil {
		d.Log.Info("ike: connection down", "err", err)
	} else {
		d.Log.Info("ike: connection closed")
	}
	d.emit(&Down{Err: err})
}

// shutdown is Close on the run goroutine.
func (d *Machine) shutdown() {
	if d.ended {
		return
	}
	if d.SA != nil && d.SA.Established {
		d.live.sendDeleteIKE(d.SA)
	}
	d.Down(nil)
}
