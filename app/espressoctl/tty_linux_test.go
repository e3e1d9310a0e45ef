package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY returns the two ends of a new pseudo-terminal (pty(7)).
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	s, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return m, s
}

// The password read on a real terminal is not echoed, honours backspace,
// and leaves the terminal as it found it; a withdrawn question returns
// without a key pressed.
func TestTTYReadPassword(t *testing.T) {
	master, slave := openPTY(t)
	k := terminalOf(slave, &bytes.Buffer{})
	if k == nil {
		t.Fatal("a pseudo-terminal is not taken for a terminal")
	}
	before, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	type result struct {
		pw  string
		err error
	}
	got := make(chan result, 1)
	go func() {
		pw, err := k.ReadPassword(ctx, "Password: ")
		got <- result{pw, err}
	}()
	// The user types once the question is up: after the echo is off.
	for i := 0; ; i++ {
		tio, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
		if err != nil {
			t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			break
		}
		if i == 500 {
			t.Fatal("the echo was never turned off")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := master.Write([]byte("hunteX\x7fr2\r")); err != nil {
		t.Fatal(err)
	}
	r := <-got
	pw, err := r.pw, r.err
	if err != nil || pw != "hunter2" {
		t.Fatalf("read %d characters, %v; want the password as typed (mismatch)", len(pw), err)
	}
	// Whatever the terminal echoed is readable on the master side.
	echoed := make([]byte, 256)
	fds := []unix.PollFd{{Fd: int32(master.Fd()), Events: unix.POLLIN}}
	if n, _ := unix.Poll(fds, 200); n > 0 {
		n, _ := unix.Read(int(master.Fd()), echoed)
		if bytes.Contains(echoed[:max(n, 0)], []byte("hunt")) {
			t.Error("the password was echoed")
		}
	}
	after, err := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if *after != *before {
		t.Error("the terminal's settings were not restored")
	}

	// A question withdrawn while nobody types ends the read. (The cancel
	// comes a little after the read starts, most of the time; a read that
	// starts already cancelled must end the same way.)
	wctx, wcancel := context.WithCancel(context.Background())
	withdrawn := make(chan error, 1)
	go func() {
		_, err := k.ReadLine(wctx, "Remember? ")
		withdrawn <- err
	}()
	time.Sleep(50 * time.Millisecond)
	wcancel()
	select {
	case err := <-withdrawn:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("withdrawn read: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the withdrawn read did not end within 30 s of its cancellation")
	}

	go func() {
		_, err := k.ReadPassword(ctx, "Password: ")
		got <- result{err: err}
	}()
	for i := 0; i < 500; i++ {
		tio, _ := unix.IoctlGetTermios(int(slave.Fd()), unix.TCGETS)
		if tio != nil && tio.Lflag&unix.ECHO == 0 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if _, err := master.Write([]byte{3}); err != nil {
		t.Fatal(err)
	}
	if r := <-got; !errors.Is(r.err, errInterrupted) {
		t.Errorf("Ctrl-C: %v", r.err)
	}
}
