package lab

import (
	"os"
	"testing"
)

func TestParseCPUTime(t *testing.T) {
	// A command name with a space and a parenthesis, utime 250, stime 31.
	const stat = "4242 (odd) name) S 1 4242 4242 0 -1 4194560 1 0 0 0 250 31 0 0 20 0 9 0 100 0 0"
	got, err := parseCPUTime(stat)
	if err != nil {
		t.Fatal(err)
	}
	if want := 281 * clockTick; got != want {
		t.Errorf("parseCPUTime = %v, want %v", got, want)
	}
	for _, bad := range []string{"", "4242 (x) S 1 2", "4242 (x) S 1 4242 4242 0 -1 4194560 1 0 0 0 a 31 0"} {
		if _, err := parseCPUTime(bad); err == nil {
			t.Errorf("parseCPUTime(%q): no error", bad)
		}
	}
}

func TestOwnProcess(t *testing.T) {
	if _, err := CPUTime(os.Getpid()); err != nil {
		t.Errorf("CPUTime: %v", err)
	}
	if kib, err := PeakRSSOf(os.Getpid()); err != nil || kib <= 0 {
		t.Errorf("PeakRSSOf = %d, %v", kib, err)
	}
}
