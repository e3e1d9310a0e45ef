//go:build !linux

package dgram

import (
	"errors"
	"testing"
)

func TestEnableRecvErrUnsupported(t *testing.T) {
	if err := EnableRecvErr(nil, true); !errors.Is(err, errors.ErrUnsupported) {
		t.Errorf("EnableRecvErr = %v, want ErrUnsupported", err)
	}
}
