package logring

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

func TestRingKeepsNewest(t *testing.T) {
	var mirror bytes.Buffer
	r := New(3, nil, &mirror)
	for i := range 5 {
		r.Logf(api.LevelInfo, "", "m%d", i)
	}
	got, _ := r.Since(0)
	var msgs []string
	for _, e := range got {
		msgs = append(msgs, e.Message)
	}
	if strings.Join(msgs, ",") != "m2,m3,m4" {
		t.Errorf("entries = %v", msgs)
	}
	if got[0].Seq != 3 || got[2].Seq != 5 {
		t.Errorf("seqs = %d..%d", got[0].Seq, got[2].Seq)
	}
	if n := strings.Count(mirror.String(), "\n"); n != 5 {
		t.Errorf("mirror has %d lines", n)
	}
	got, _ = r.Since(4)
	if len(got) != 1 || got[0].Message != "m4" {
		t.Errorf("Since(4) = %+v", got)
	}
}

func TestRingNotifiesFollowers(t *testing.T) {
	r := New(8, func() time.Time { return time.Unix(1, 0) }, nil)
	_, wait := r.Since(0)
	select {
	case <-wait:
		t.Fatal("notified before any entry")
	default:
	}
	r.Logf(api.LevelWarn, "work", "%s", strings.Repeat("x", MaxMessage+10))
	select {
	case <-wait:
	case <-time.After(5 * time.Second):
		t.Fatal("follower not notified")
	}
	got, _ := r.Since(0)
	if len(got) != 1 || len(got[0].Message) != MaxMessage || got[0].Connection != "work" || !got[0].Time.Equal(time.Unix(1, 0)) {
		t.Errorf("entry = %+v", got[0].Seq)
	}
}

type sinkRecorder struct{ got []api.LogEntry }

func (s *sinkRecorder) Log(e api.LogEntry) { s.got = append(s.got, e) }

func TestRingLevel(t *testing.T) {
	r := New(10, nil, nil)
	var sink sinkRecorder
	r.SetSink(&sink)
	if r.Level() != api.LevelInfo || r.Enabled(api.LevelDebug) {
		t.Fatalf("a new ring records %s and above", r.Level())
	}
	r.Logf(api.LevelDebug, "work", "dropped")
	r.Logf(api.LevelInfo, "work", "kept")
	if err := r.SetLevel(api.LevelDebug); err != nil {
		t.Fatal(err)
	}
	r.Logf(api.LevelDebug, "work", "now kept")
	if err := r.SetLevel("verbose"); err == nil {
		t.Error("an unknown level was taken")
	}
	if err := r.SetLevel(api.LevelWarn); err != nil {
		t.Fatal(err)
	}
	r.Logf(api.LevelInfo, "", "below warn")
	r.Logf(api.LevelError, "", "failed")
	got, _ := r.Since(0)
	var msgs []string
	for _, e := range got {
		msgs = append(msgs, e.Message)
	}
	if strings.Join(msgs, ",") != "kept,now kept,failed" {
		t.Errorf("entries = %v", msgs)
	}
	if len(sink.got) != 3 || sink.got[1].Level != api.LevelDebug {
		t.Errorf("sink got %+v", sink.got)
	}
}
