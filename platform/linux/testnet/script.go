package testnet

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sync"
	"syscall"
)

// Script is a T for programs: Fatal and Skip stop the step being run,
// cleanups run last-in first-out when Run returns, and an interrupt
// (Ctrl-C, SIGTERM) runs them too before the program exits.
type Script struct {
	// CleanupMessage, if set, is printed before the cleanups run.
	CleanupMessage string

	out io.Writer

	mu          sync.Mutex
	cleanups    []func()
	failed      bool
	done        bool
	interrupted bool
}

// stop is the panic value Fatal and Skip use to leave the running step.
type stop struct{ skipped bool }

// ErrSkipped is returned by Run when a step skipped, for example because
// the program is not run as root.
var ErrSkipped = errors.New("skipped")

// ErrFailed is returned by Run when a step failed.
var ErrFailed = errors.New("failed")

// NewScript returns a Script that logs to out.
func NewScript(out io.Writer) *Script { return &Script{out: out} }

// Run runs f, then the cleanups it registered, also when f fails or the
// program is interrupted. The interrupt exits the program with status 130
// once the cleanups are done.
func (s *Script) Run(f func(T)) error {
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	quit := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case sig := <-sigs:
			// The step still running stops being heard: what it reports
			// now is only the cleanup pulling things from under it.
			s.mu.Lock()
			s.interrupted = true
			s.mu.Unlock()
			fmt.Fprintf(s.out, "\n%v: interrupted\n", sig)
			s.cleanup()
			os.Exit(130)
		case <-quit:
		}
	}()
	defer func() {
		signal.Stop(sigs)
		close(quit)
		wg.Wait()
		s.cleanup()
	}()
	if err := s.Try(func() { f(s) }); err != nil {
		return err
	}
	if s.Failed() {
		return ErrFailed
	}
	return nil
}

// Try runs one step of a Run that may fail without ending the run: a Fatal
// or Skip inside f returns ErrFailed or ErrSkipped (the run still counts as
// failed after a Fatal), and the cleanups f registered wait for the end of
// the run.
func (s *Script) Try(f func()) (err error) {
	defer func() {
		r := recover()
		if r == nil {
			return
		}
		st, ok := r.(stop)
		if !ok {
			panic(r)
		}
		err = ErrFailed
		if st.skipped {
			err = ErrSkipped
		}
	}()
	f()
	return nil
}

// Output returns a writer to the Script's output that goes silent once
// the program is interrupted, for a program's own messages.
func (s *Script) Output() io.Writer { return scriptOutput{s} }

type scriptOutput struct{ s *Script }

func (o scriptOutput) Write(b []byte) (int, error) {
	if o.s.quiet() {
		return len(b), nil
	}
	return o.s.out.Write(b)
}

func (s *Script) quiet() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.interrupted
}

// cleanup runs the registered cleanups once, newest first.
func (s *Script) cleanup() {
	s.mu.Lock()
	if s.done {
		s.mu.Unlock()
		return
	}
	s.done = true
	fs := s.cleanups
	s.cleanups = nil
	s.mu.Unlock()
	if len(fs) > 0 && s.CleanupMessage != "" {
		fmt.Fprintln(s.out, s.CleanupMessage)
	}
	for i := len(fs) - 1; i >= 0; i-- {
		fs[i]()
	}
}

// Helper implements T; a Script has no call stack to trim.
func (s *Script) Helper() {}

// Cleanup implements T.
func (s *Script) Cleanup(f func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.done {
		// Registered while cleaning up after an interrupt: run it now.
		defer f()
		return
	}
	s.cleanups = append(s.cleanups, f)
}

// Fatal implements T: it prints args and stops the step.
func (s *Script) Fatal(args ...any) {
	s.fail()
	fmt.Fprintln(s.Output(), append([]any{"error:"}, args...)...)
	panic(stop{})
}

// Fatalf implements T.
func (s *Script) Fatalf(format string, args ...any) {
	s.fail()
	fmt.Fprintf(s.Output(), "error: "+format+"\n", args...)
	panic(stop{})
}

// Logf implements T.
func (s *Script) Logf(format string, args ...any) {
	fmt.Fprintf(s.Output(), format+"\n", args...)
}

// Skip implements T: the step cannot run here.
func (s *Script) Skip(args ...any) {
	fmt.Fprintln(s.Output(), args...)
	panic(stop{skipped: true})
}

// Skipf implements T.
func (s *Script) Skipf(format string, args ...any) {
	fmt.Fprintf(s.Output(), format+"\n", args...)
	panic(stop{skipped: true})
}

// Failed implements T.
func (s *Script) Failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failed
}

func (s *Script) fail() {
	s.mu.Lock()
	s.failed = true
	s.mu.Unlock()
}
