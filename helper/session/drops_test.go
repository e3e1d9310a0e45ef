package session

import (
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/ipsec/sad"
)

func TestDropReport(t *testing.T) {
	var r dropReport
	var c dropCounts
	if line := r.next(c); line != "" {
		t.Errorf("no drops: %q", line)
	}
	c.esp[sad.DropReplay] = 3
	c.esp[sad.DropDummy] = 7 // not an error: never reported
	c.ike = ike.Drops{Unauthenticated: 1}
	if line, want := r.next(c), "dropped: replay +3 (3 in all), ike_unauthenticated +1 (1 in all)"; line != want {
		t.Errorf("first report %q, want %q", line, want)
	}
	if line := r.next(c); line != "" {
		t.Errorf("nothing new: %q", line)
	}
	c.esp[sad.DropReplay] = 5
	c.esp[sad.DropIntegrity] = 1
	if line, want := r.next(c), "dropped: replay +2 (5 in all), integrity +1 (1 in all)"; line != want {
		t.Errorf("second report %q, want %q", line, want)
	}
	got := c.named()
	if len(got) != 3 || got["replay"] != 5 || got["integrity"] != 1 || got["ike_unauthenticated"] != 1 {
		t.Errorf("named = %v", got)
	}
	if (dropCounts{}).named() != nil {
		t.Error("no drops should name none")
	}
}
