package profile

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// MaxFileSize bounds a certificate, key, CA or PKCS#12 file the helper
// reads: far more than any real one, small enough that a wrong path
// cannot exhaust the helper.
const MaxFileSize = 1 << 20

// errNotRegular is returned for a path that names something other than a
// regular file: a FIFO, a device or a directory would block the helper or
// feed it without end.
var errNotRegular = errors.New("not a regular file")

// readFile reads the file at path for a profile, as root: it does not
// follow a symbolic link in the last element (O_NOFOLLOW), refuses
// anything but a regular file, checked on the open descriptor so the file
// cannot be swapped in between, and reads at most MaxFileSize bytes.
// O_NONBLOCK keeps the open itself from waiting for a FIFO's writer.
// Errors name the path, never the content.
func readFile(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|openFlags, 0)
	if err != nil {
		return nil, fmt.Errorf("creds: %w", err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("creds: %w", err)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("creds: %s: %w", path, errNotRegular)
	}
	if fi.Size() > MaxFileSize {
		return nil, fmt.Errorf("creds: %s: larger than %d bytes", path, MaxFileSize)
	}
	b, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		return nil, fmt.Errorf("creds: %s: %w", path, err)
	}
	if len(b) > MaxFileSize {
		return nil, fmt.Errorf("creds: %s: larger than %d bytes", path, MaxFileSize)
	}
	return b, nil
}
