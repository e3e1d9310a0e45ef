// Package diagnose writes a diagnostic bundle for a support request: a
// gzip-compressed tar archive of the versions, the profiles without
// secrets, the connections' status, the helper's recent log and the
// system's network state, all as text a person can read before sending
// it on.
//
// The helper gathers its part (api.Client.Diagnostics): it sees the
// system as the connections do, may run what needs root, and gives a
// caller only the profiles that caller may view. The client adds its own
// version and writes the file with the user's permissions.
package diagnose

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"time"

	"github.com/espressovpn/espresso/helper/api"
)

// Client describes the program that writes the bundle.
type Client struct {
	// Name and Version are the program's, such as "espressoctl" and
	// "1.4.0".
	Name, Version string
}

// FileName returns the bundle's default file name for a bundle written
// at now: espresso-diagnostics-YYYYMMDD-HHMMSS.tar.gz.
func FileName(now time.Time) string {
	return "espresso-diagnostics-" + now.UTC().Format("20060102-150405") + ".tar.gz"
}

// PartialError reports a bundle written without the helper's part: the
// helper did not answer (Err says why), and the bundle says so in
// helper-error.txt. A helper that is not running is when a bundle is
// most wanted.
type PartialError struct{ Err error }

func (e *PartialError) Error() string {
	return "the bundle lacks the helper's part: " + e.Err.Error()
}

func (e *PartialError) Unwrap() error { return e.Err }

// Collect asks the helper for its part of the bundle. If it does not
// answer, the part is empty and the error is a *PartialError.
func Collect(ctx context.Context, c *api.Client) (api.Diagnostics, error) {
	d, err := c.Diagnostics(ctx)
	if err != nil {
		return api.Diagnostics{}, &PartialError{Err: err}
	}
	return d, nil
}

// Save collects the helper's part and writes the bundle to path, which
// is created readable by its owner alone (the bundle shows the system's
// addresses and routes). Without the helper's part the bundle is written
// all the same and the error is a *PartialError.
func Save(ctx context.Context, c *api.Client, client Client, path string, now time.Time) error {
	d, partial := Collect(ctx, c)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o600)
	if err != nil {
		return err
	}
	if err := Write(f, d, partial, client, now); err != nil {
		f.Close()
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	return partial
}

// Write writes the bundle of d to w, the files under one directory named
// for the time now; partial, when not nil, is why d is empty.
func Write(w io.Writer, d api.Diagnostics, partial error, client Client, now time.Time) error {
	files, err := Files(d, partial, client, now)
	if err != nil {
		return err
	}
	dir := strings.TrimSuffix(FileName(now), ".tar.gz") + "/"
	zw := gzip.NewWriter(w)
	tw := tar.NewWriter(zw)
	for _, f := range files {
		h := &tar.Header{Name: dir + f.Name, Mode: 0o600, Size: int64(len(f.Data)), ModTime: now, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(f.Data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	return zw.Close()
}

// File is one file of a bundle.
type File struct {
	Name string
	Data []byte
}

// Files returns the bundle's files, in the archive's order; partial,
// when not nil, is why d, the helper's part, is empty.
func Files(d api.Diagnostics, partial error, client Client, now time.Time) ([]File, error) {
	var files []File
	files = append(files, File{"versions.txt", versions(d, client, now)})
	if partial != nil {
		why := partial
		var pe *PartialError
		if errors.As(partial, &pe) {
			why = pe.Err
		}
		files = append(files, File{"helper-error.txt", []byte("The helper did not answer: " + why.Error() + "\n")})
	}
	for _, p := range d.Profiles {
		b, err := Scrub(p)
		if err != nil {
			return nil, err
		}
		files = append(files, File{"profiles/" + fileSafe(p.Name) + ".json", b})
	}
	st := d.Status
	if st == nil {
		st = []api.ConnectionStatus{}
	}
	status, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return nil, err
	}
	files = append(files, File{"status.json", append(status, '\n')})
	files = append(files, File{"log.txt", logText(d.Log)})
	for _, s := range d.System {
		var b bytes.Buffer
		fmt.Fprintf(&b, "# %s\n", s.Command)
		if s.Error != "" {
			fmt.Fprintf(&b, "# failed: %s\n", s.Error)
		}
		b.WriteString(s.Output)
		files = append(files, File{"system/" + fileSafe(s.Name) + ".txt", b.Bytes()})
	}
	return files, nil
}

func versions(d api.Diagnostics, client Client, now time.Time) []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "written:    %s\n", now.UTC().Format(time.RFC3339))
	fmt.Fprintf(&b, "client:     %s %s (%s/%s, %s)\n", client.Name, client.Version, runtime.GOOS, runtime.GOARCH, runtime.Version())
	v := d.Version
	fmt.Fprintf(&b, "helper:     espresso-helper %s (%s/%s)\n", v.Helper, v.OS, v.Arch)
	fmt.Fprintf(&b, "api:        %s, prompt protocol %d\n", v.API, v.PromptProtocol)
	fmt.Fprintf(&b, "log level:  %s\n", d.LogLevel)
	for _, s := range d.System {
		if s.Name == "kernel" || s.Name == "os" {
			fmt.Fprintf(&b, "%-11s %s\n", s.Name+":", strings.TrimSpace(s.Output))
		}
	}
	return b.Bytes()
}

func logText(entries []api.LogEntry) []byte {
	var b bytes.Buffer
	for _, e := range entries {
		conn := ""
		if e.Connection != "" {
			conn = " [" + e.Connection + "]"
		}
		fmt.Fprintf(&b, "%s %-5s%s %s\n", e.Time.UTC().Format("2006-01-02T15:04:05.000Z"), e.Level, conn, e.Message)
	}
	return b.Bytes()
}

// fileSafe keeps a name to the characters a file name may hold anywhere.
func fileSafe(name string) string {
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_', r == '.':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	s := strings.TrimLeft(b.String(), ".")
	if s == "" {
		s = "_"
	}
	return s
}
