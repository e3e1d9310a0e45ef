package datapath

import (
	"sync"
	"sync/atomic"

	"github.com/espressovpn/espresso/ipsec/sad"
	"github.com/espressovpn/espresso/ipsec/socket"
	"github.com/espressovpn/espresso/ipsec/spd"
	"github.com/espressovpn/espresso/ipsec/tcpmss"
	"github.com/espressovpn/espresso/ipsec/xlat"
)

// Engine is a running ESP data path. Its goroutines are started by New and
// stopped by Close.
type Engine struct {
	cfg        Config
	sad        *sad.DB
	spd        spd.Table[*group]
	mss4, mss6 uint16

	mu     sync.Mutex // control plane: groups and pairs
	groups map[uint32]*group
	pairs  map[uint32]*pair // by inbound SPI

	// outMu serialises taking sequence numbers and queueing outbound
	// batches, so packets of one SA leave in sequence-number order.
	outMu sync.Mutex

	outElems, inElems     *pool[elem]
	outBatches, inBatches *pool[batch]
	workQ                 chan *batch
	outQ, inQ             chan *batch

	// The writing side of each direction (inline.go), and the scratch
	// space of whoever writes under its mu.
	outLane, inLane  lane
	udpMsgs, rawMsgs []socket.Datagram // under outLane.mu
	devBufs          [][]byte          // under inLane.mu
	stage            [][]byte          // CoalesceWrites buffers; under inLane.mu

	ike       chan *ikeMsg
	ikeMsgs   *pool[ikeMsg]
	ikeFunc   atomic.Pointer[IKEHandler]
	events    chan Event
	acquiring atomic.Int64 // packets held by trap policies
	xl        *xlat.Table  // flows of held packets translated (translate.go)
	stats     stats
	staged    int // bytes of the CoalesceWrites buffers

	done      chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup // workers, writers, dispatcher, ticker
	readers   sync.WaitGroup
}

// group is the policy state shared by every selector of one Child SA
// configuration (reqid): the outbound SA in use, and for a trap policy the
// packets waiting for one.
type group struct {
	reqID uint32
	sels  []spd.Selector
	trap  atomic.Bool // written under Engine.mu, read by route under outMu
	sa    atomic.Pointer[sad.SA]
	refs  int // installed pairs using the group; under Engine.mu

	pmu         sync.Mutex
	pending     []*elem
	acquireSent bool
}

// pair is an installed Child SA: both directions and their policy group.
type pair struct {
	in, out *sad.SA
	g       *group
}

// New starts an engine over cfg's device and transports.
func New(cfg Config) (*Engine, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	e := &Engine{
		cfg:    cfg,
		sad:    sad.NewDB(),
		groups: map[uint32]*group{},
		pairs:  map[uint32]*pair{},
		done:   make(chan struct{}),
		events: make(chan Event, cfg.EventQueue),
		ike:    make(chan *ikeMsg, cfg.IKEQueue),
		xl:     xlat.NewTable(cfg.AcquireTotal),
	}
	if cfg.MTU > 0 {
		e.mss4, e.mss6 = tcpmss.ForMTU(cfg.MTU)
	}
	outB := batchSize(cfg.Device.BatchSize())
	inB := batchSize(cfg.UDP.BatchSize())
	if cfg.Raw != nil {
		inB = max(inB, batchSize(cfg.Raw.BatchSize()))
	}
	// A queue of Q batches, plus one batch in each reader, one in the
	// writer and one between: the readers then never wait for buffers while
	// a queue is full, they drop instead.
	nb := cfg.QueueBatches + 4
	readers := 1
	if cfg.Raw != nil {
		readers = 2
	}
	e.outBatches = newPool(nb, func() *batch { return &batch{elems: make([]*elem, 0, outB), out: true} })
	e.inBatches = newPool(nb+readers, func() *batch { return &batch{elems: make([]*elem, 0, inB)} })
	e.outElems = newPool(nb*outB+cfg.AcquireTotal, e.newElem)
	e.inElems = newPool((nb+readers)*inB, e.newElem)
	e.ikeMsgs = newPool(cfg.IKEQueue+1, func() *ikeMsg { return &ikeMsg{buf: make([]byte, cfg.BufferSize)} })
	e.workQ = make(chan *batch, 2*nb)
	e.outQ = make(chan *batch, cfg.QueueBatches)
	e.inQ = make(chan *batch, cfg.QueueBatches)
	e.udpMsgs = make([]socket.Datagram, 0, outB)
	e.rawMsgs = make([]socket.Datagram, 0, outB)
	e.devBufs = make([][]byte, 0, inB)
	if cfg.CoalesceWrites {
		e.stage = make([][]byte, inB)
		for i := range e.stage {
			e.stage[i] = make([]byte, coalesceSize)
		}
		e.staged = inB * coalesceSize
	}

	for range cfg.Workers {
		e.goInternal(e.worker)
	}
	e.goInternal(e.writeTransport)
	e.goInternal(e.writeDevice)
	e.goInternal(e.dispatchIKE)
	e.goInternal(e.watchLifetimes)
	e.readers.Add(1)
	go e.readDevice(outB)
	e.readers.Add(1)
	go e.readTransport(cfg.UDP, true, inB)
	if cfg.Raw != nil {
		e.readers.Add(1)
		go e.readTransport(cfg.Raw, false, inB)
	}
	return e, nil
}

func (e *Engine) newElem() *elem { return &elem{buf: make([]byte, e.cfg.BufferSize)} }

func (e *Engine) goInternal(f func()) {
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		f()
	}()
}

// MemoryBound returns the most bytes of packet buffers the engine will ever
// hold: every pool at its cap. Queues hold pointers into these pools only.
func (e *Engine) MemoryBound() int {
	n := e.outElems.max + e.inElems.max + e.ikeMsgs.max
	return n*e.cfg.BufferSize + e.staged
}

// Close stops the engine. The reading goroutines return when Device.Read and
// the transports' ReadBatch return, so the owner closes those first (or
// right after); Close waits for every goroutine the engine started.
func (e *Engine) Close() {
	e.closeOnce.Do(func() { close(e.done) })
	e.wg.Wait()
	e.readers.Wait()
}

func (e *Engine) closed() bool {
	select {
	case <-e.done:
		return true
	default:
		return false
	}
}

// enqueue hands a filled batch to the in-order queue q and to the workers;
// l is q's lane. A full queue drops the whole batch: a flood costs drops,
// not memory.
func (e *Engine) enqueue(b *batch, l *lane, q chan *batch, elems *pool[elem], batches *pool[batch]) {
	b.mu.Lock()
	l.pending.Add(1)
	if e.cfg.Backpressure {
		select {
		case q <- b:
		case <-e.done:
			l.pending.Add(-1)
			b.mu.Unlock()
			return
		}
	} else {
		select {
		case q <- b:
		default:
			l.pending.Add(-1)
			e.dropBatch(b, elems, batches)
			return
		}
	}
	select {
	case e.workQ <- b:
	case <-e.done:
	}
}

// dropBatch discards a batch that found its queue full.
func (e *Engine) dropBatch(b *batch, elems *pool[elem], batches *pool[batch]) {
	for _, x := range b.elems {
		e.drop(x.sa, sad.DropQueueFull)
		elems.put(x)
	}
	b.elems = b.elems[:0]
	b.mu.Unlock()
	batches.put(b)
}

// worker encrypts and decrypts batches; any number of them run at once.
func (e *Engine) worker() {
	s := new(cryptoScratch)
	for {
		select {
		case b := <-e.workQ:
			e.crypt(s, b)
			b.mu.Unlock()
		case <-e.done:
			return
		}
	}
}

// crypt seals or opens the packets of b.
func (e *Engine) crypt(s *cryptoScratch, b *batch) {
	for _, x := range b.elems {
		if x.drop != sad.DropNone {
			continue
		}
		if b.out {
			e.seal(s, x)
		} else {
			e.open(s, x)
		}
	}
}

// drop counts a dropped packet against the engine and, if known, its SA.
func (e *Engine) drop(sa *sad.SA, r sad.DropReason) {
	e.stats.drops[r].Add(1)
	if sa != nil {
		sa.Drop(r)
	}
}
