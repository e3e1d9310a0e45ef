package sad

import (
	"testing"
	"time"

	"github.com/espressovpn/espresso/ipsec/esp"
	"github.com/espressovpn/espresso/ipsec/suite"
)

func newESP(t *testing.T, spi uint32, esn bool) *esp.SA {
	t.Helper()
	e, err := esp.New(esp.Params{SPI: spi, ESN: esn,
		Encr:    suite.Transform{Type: suite.TypeEncr, ID: suite.EncrAESGCM16, KeyBits: 128},
		EncrKey: make([]byte, 20)})
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestSequenceExhaustion(t *testing.T) {
	for _, esn := range []bool{false, true} {
		sa := New(newESP(t, 1, esn), Outbound, 0, time.Now())
		end := sa.seqMax
		sa.setSeq(end - seqSoftMargin - 1)
		if _, ok, l := sa.NextSeq(); !ok || l != Fresh {
			t.Fatalf("esn=%v: before margin: ok %v level %v", esn, ok, l)
		}
		seq, ok, l := sa.NextSeq()
		if !ok || l != Soft || seq != end-seqSoftMargin+1 {
			t.Fatalf("esn=%v: soft not raised at the margin: %d %v %v", esn, seq, ok, l)
		}
		sa.setSeq(end - 1)
		if seq, ok, l := sa.NextSeq(); !ok || seq != end || l != Fresh {
			t.Fatalf("esn=%v: last number: %d %v %v", esn, seq, ok, l)
		}
		for range 3 {
			if _, ok, _ := sa.NextSeq(); ok {
				t.Fatalf("esn=%v: sequence number wrapped", esn)
			}
		}
		if !sa.Expired() {
			t.Fatalf("esn=%v: not expired after exhaustion", esn)
		}
	}
}

func TestLifetimeLimits(t *testing.T) {
	now := time.Now()
	sa := New(newESP(t, 1, false), Inbound, 0, now)
	sa.Lifetime = Lifetime{Soft: Limits{Packets: 3, Time: time.Minute}, Hard: Limits{Bytes: 1000, Time: time.Hour}}
	levels := []Level{}
	for range 10 {
		if l, _ := sa.Count(100); l != Fresh {
			levels = append(levels, l)
		}
	}
	if len(levels) != 2 || levels[0] != Soft || levels[1] != Hard {
		t.Fatalf("levels crossed: %v", levels)
	}
	c := sa.Counters()
	if c.Packets != 10 || c.Bytes != 1000 {
		t.Fatalf("counters %+v", c)
	}
	sa2 := New(newESP(t, 2, false), Inbound, 0, now)
	sa2.Lifetime = Lifetime{Soft: Limits{Time: time.Minute}, Hard: Limits{Time: time.Hour}}
	if sa2.CheckTime(now.Add(30*time.Second)) != Fresh ||
		sa2.CheckTime(now.Add(2*time.Minute)) != Soft ||
		sa2.CheckTime(now.Add(3*time.Minute)) != Fresh ||
		sa2.CheckTime(now.Add(2*time.Hour)) != Hard || !sa2.Expired() {
		t.Fatal("time limits")
	}
}

func TestDB(t *testing.T) {
	db := NewDB()
	in := New(newESP(t, 7, false), Inbound, 0, time.Now())
	out := New(newESP(t, 7, false), Outbound, 0, time.Now())
	if db.Add(in) != nil || db.Add(out) != nil {
		t.Fatal("same SPI in both directions refused")
	}
	if db.Add(New(newESP(t, 7, false), Inbound, 0, time.Now())) != ErrSPIInUse {
		t.Fatal("duplicate inbound SPI accepted")
	}
	if db.Get(Inbound, 7) != in || db.Get(Outbound, 7) != out || db.Get(Inbound, 8) != nil {
		t.Fatal("Get")
	}
	if db.Remove(Inbound, 7) != in || db.Get(Inbound, 7) != nil || db.Len(Outbound) != 1 {
		t.Fatal("Remove")
	}
}

func TestReplay(t *testing.T) {
	sa := New(newESP(t, 1, true), Inbound, 64, time.Now())
	seq, ok := sa.ReplayCheck(5)
	if !ok || seq != 5 || !sa.ReplayUpdate(5) {
		t.Fatal("first packet")
	}
	if _, ok := sa.ReplayCheck(5); ok || sa.ReplayUpdate(5) {
		t.Fatal("replay accepted")
	}
}
