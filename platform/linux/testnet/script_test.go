package testnet

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestScript checks the program form of T: cleanups run newest first
// whether the step succeeds, fails or skips, and Run says which it was.
func TestScript(t *testing.T) {
	for _, tc := range []struct {
		name string
		step func(T)
		want error
		out  string
	}{
		{"ok", func(T) {}, nil, ""},
		{"fatal", func(t T) { t.Fatalf("no %s", "gateway") }, ErrFailed, "error: no gateway"},
		{"skip", func(t T) { t.Skip("skipping: needs root") }, ErrSkipped, "skipping: needs root"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out strings.Builder
			var order []int
			s := NewScript(&out)
			err := s.Run(func(x T) {
				x.Cleanup(func() { order = append(order, 1) })
				x.Cleanup(func() { order = append(order, 2) })
				tc.step(x)
				x.Logf("after the step")
			})
			if !errors.Is(err, tc.want) && err != tc.want {
				t.Errorf("Run: %v, want %v", err, tc.want)
			}
			if !slices.Equal(order, []int{2, 1}) {
				t.Errorf("cleanups ran in order %v", order)
			}
			if !strings.Contains(out.String(), tc.out) {
				t.Errorf("output %q lacks %q", out.String(), tc.out)
			}
			if (tc.want == nil) != strings.Contains(out.String(), "after the step") {
				t.Errorf("a failed or skipped step went on: %q", out.String())
			}
		})
	}
}

// TestScriptTry: a failed step inside Try does not end the run, but the run
// counts as failed.
func TestScriptTry(t *testing.T) {
	var out strings.Builder
	s := NewScript(&out)
	var after bool
	err := s.Run(func(x T) {
		if err := s.Try(func() { x.Fatal("step one") }); !errors.Is(err, ErrFailed) {
			t.Errorf("Try: %v", err)
		}
		if err := s.Try(func() { x.Skip("step two") }); !errors.Is(err, ErrSkipped) {
			t.Errorf("Try: %v", err)
		}
		after = true
	})
	if !after || !errors.Is(err, ErrFailed) {
		t.Errorf("run went on: %v, returned %v", after, err)
	}
}
