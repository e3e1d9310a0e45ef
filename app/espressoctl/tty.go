package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"unicode/utf8"

	"golang.org/x/sys/unix"
	"golang.org/x/term"
)

// terminal is the user's terminal, when espressoctl's standard input is
// one: `up` asks the helper's password prompts there. Both reads return
// when ctx is done, so a question answered elsewhere (in the app) or
// withdrawn stops waiting for the keyboard.
type terminal interface {
	// ReadPassword prints prompt and reads a line without echo.
	ReadPassword(ctx context.Context, prompt string) (string, error)
	// ReadLine prints prompt and reads a line, echoed.
	ReadLine(ctx context.Context, prompt string) (string, error)
}

// errInterrupted is returned by a read the user ended with Ctrl-C.
var errInterrupted = errors.New("interrupted")

// tty is a terminal on a file descriptor, with questions written to out
// (standard error, so standard output stays the command's own).
type tty struct {
	fd  int
	out io.Writer
}

// terminalOf returns the terminal behind stdin, or nil when stdin is not
// one (a pipe, a file, a test's reader).
func terminalOf(stdin io.Reader, out io.Writer) terminal {
	f, ok := stdin.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return &tty{fd: int(f.Fd()), out: out}
}

// ReadPassword implements terminal.
func (t *tty) ReadPassword(ctx context.Context, prompt string) (string, error) {
	return t.read(ctx, prompt, false)
}

// ReadLine implements terminal.
func (t *tty) ReadLine(ctx context.Context, prompt string) (string, error) {
	return t.read(ctx, prompt, true)
}

// pollInterval is how often a read looks at ctx while no key is pressed.
const pollInterval = 200

// read prints prompt and reads one line with the terminal in raw mode,
// which turns the echo off and lets the read give up when ctx is done
// (a blocking read of a terminal cannot be interrupted). It edits the
// line as a terminal does (backspace, Ctrl-U) and restores the terminal
// whatever happens.
func (t *tty) read(ctx context.Context, prompt string, echo bool) (string, error) {
	old, err := term.MakeRaw(t.fd)
	if err != nil {
		return "", fmt.Errorf("terminal: %w", err)
	}
	defer term.Restore(t.fd, old)
	// Raw mode also turns off the translation of "\n" into "\r\n".
	fmt.Fprint(t.out, strings.ReplaceAll(prompt, "\n", "\r\n"))
	defer fmt.Fprint(t.out, "\r\n")
	var line []byte
	buf := make([]byte, 64)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		fds := []unix.PollFd{{Fd: int32(t.fd), Events: unix.POLLIN}}
		n, err := unix.Poll(fds, pollInterval)
		if errors.Is(err, unix.EINTR) || (err == nil && n == 0) {
			continue
		}
		if err != nil {
			return "", fmt.Errorf("terminal: %w", err)
		}
		n, err = unix.Read(t.fd, buf)
		if err != nil {
			return "", fmt.Errorf("terminal: %w", err)
		}
		if n == 0 {
			return "", io.EOF
		}
		for _, c := range buf[:n] {
			switch {
			case c == '\r' || c == '\n':
				return string(line), nil
			case c == 3: // Ctrl-C
				return "", errInterrupted
			case c == 4 && len(line) == 0: // Ctrl-D on an empty line
				return "", io.EOF
			case c == 127 || c == '\b':
				if len(line) > 0 {
					_, size := utf8.DecodeLastRune(line)
					line = line[:len(line)-size]
					if echo {
						fmt.Fprint(t.out, "\b \b")
					}
				}
			case c == 21: // Ctrl-U
				if echo {
					fmt.Fprint(t.out, strings.Repeat("\b \b", utf8.RuneCount(line)))
				}
				line = line[:0]
			case c >= ' ':
				line = append(line, c)
				if echo {
					t.out.Write([]byte{c})
				}
			}
		}
	}
}
