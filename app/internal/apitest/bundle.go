package apitest

import (
	"archive/tar"
	"compress/gzip"
	"io"
	"testing"
)

// ReadBundle returns the files of a diagnostic bundle (a tar.gz, as
// app/diagnose writes it) by their names in the archive.
func ReadBundle(t testing.TB, r io.Reader) map[string]string {
	t.Helper()
	zr, err := gzip.NewReader(r)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	files := map[string]string{}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return files
		}
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(tr)
		if err != nil {
			t.Fatal(err)
		}
		files[h.Name] = string(data)
	}
}
