package lab

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// groupLock is the file whose lock says a test is using the system's
// espresso group: creating it, adding members or installing the package
// that creates and removes it.
const groupLock = "/run/lock/espresso-test-group.lock"

// groupWait bounds the wait for another test process to let go of the
// group; the longest holder, the package install test, holds it for
// well under a minute.
const groupWait = 5 * time.Minute

// LockGroup holds the espresso group for t until its end, so that test
// processes running side by side (helper/e2e and helper/e2e/install) do
// not remove the group under each other. Call it before looking the group
// up or creating it; its release is registered first, so it runs after
// the clean-ups that remove members and the group.
func LockGroup(t testing.TB) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(groupLock), 0o755); err != nil {
		t.Fatalf("lock the espresso group: %v", err)
	}
	f, err := os.OpenFile(groupLock, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatalf("lock the espresso group: %v", err)
	}
	t.Cleanup(func() { f.Close() }) // closing drops the lock
	deadline := time.Now().Add(groupWait)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return
		}
		if err != syscall.EWOULDBLOCK {
			t.Fatalf("lock %s: %v", groupLock, err)
		}
		if time.Now().After(deadline) {
			t.Fatalf("another test process held the espresso group (%s) for %v", groupLock, groupWait)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
