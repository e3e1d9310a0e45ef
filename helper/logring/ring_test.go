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
