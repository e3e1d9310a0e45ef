//go:build unix

package setup

import (
	"fmt"
	"os"
	"syscall"
)

// Lstat describes path for CheckHelper, not following a final symbolic
// link.
func Lstat(path string) (Owner, error) {
	fi, err := os.Lstat(path)
	if err != nil {
		return Owner{}, err
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return Owner{}, fmt.Errorf("%s: no owner information", path)
	}
	return Owner{UID: int(st.Uid), Mode: fi.Mode()}, nil
}
