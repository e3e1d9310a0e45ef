package dgram

import (
	"errors"
	"os"
	"testing"

	"golang.org/x/sys/unix"
)

func TestGROKernel(t *testing.T) {
	for release, want := range map[string]bool{
		"6.1.0-13-amd64":  true,
		"5.12.0":          true,
		"5.11.22-generic": false,
		"5.15":            true,
		"4.19.0-26-amd64": false,
		"10.0.1":          true,
		"5.12-rc1":        true,
		"":                false,
		"linux":           false,
	} {
		if got := groKernel(release); got != want {
			t.Errorf("groKernel(%q) = %v, want %v", release, got, want)
		}
	}
}

func TestSegmentFailed(t *testing.T) {
	for _, tc := range []struct {
		err             error
		resend, disable bool
	}{
		{os.NewSyscallError("sendmmsg", unix.EIO), true, true},
		{os.NewSyscallError("sendmmsg", unix.EINVAL), true, false},
		{os.NewSyscallError("sendmmsg", unix.EMSGSIZE), true, false},
		{os.NewSyscallError("sendmmsg", unix.ECONNREFUSED), false, false},
		{errors.New("other"), false, false},
	} {
		if r, d := SegmentFailed(tc.err); r != tc.resend || d != tc.disable {
			t.Errorf("SegmentFailed(%v) = %v, %v; want %v, %v", tc.err, r, d, tc.resend, tc.disable)
		}
	}
}
