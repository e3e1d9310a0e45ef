package testnet

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"time"
)

// Process is a program a test started inside a namespace. The test's cleanup
// stops it by PID: SIGTERM to its process group, then SIGKILL after a grace period.
type Process struct {
	Cmd  *exec.Cmd
	done chan struct{}
	err  error
}

// Start starts cmd in a process group of its own, sends its output to logPath
// (or discards it when logPath is empty) and stops it when the test ends.
func Start(t T, cmd *exec.Cmd, logPath string) *Process {
	t.Helper()
	// Pdeathsig: should the test or program die without its cleanups, the
	// process goes with it rather than outliving its namespace.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if logPath != "" {
		f, err := os.Create(logPath)
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = f, f
		t.Cleanup(func() { f.Close() })
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	p := &Process{Cmd: cmd, done: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() { p.Stop(5 * time.Second) })
	return p
}

// PID is the process's ID.
func (p *Process) PID() int { return p.Cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Signal sends sig to the process alone.
func (p *Process) Signal(sig syscall.Signal) error {
	if p.Exited() {
		return errors.New("process has exited")
	}
	return syscall.Kill(p.PID(), sig)
}

// Wait waits up to timeout for the process to end; it reports whether it did,
// and then its exit error.
func (p *Process) Wait(timeout time.Duration) (exited bool, err error) {
	select {
	case <-p.done:
		return true, p.err
	case <-time.After(timeout):
		return false, nil
	}
}

// Stop ends the process group: SIGTERM, and SIGKILL if it is still there after
// grace. Stopping an ended process does nothing.
func (p *Process) Stop(grace time.Duration) {
	if p.Exited() {
		return
	}
	_ = syscall.Kill(-p.PID(), syscall.SIGTERM)
	if ok, _ := p.Wait(grace); ok {
		return
	}
	_ = syscall.Kill(-p.PID(), syscall.SIGKILL)
	p.Wait(grace)
}
