package creds

import (
	"encoding/base64"
	"fmt"
	"os"
	"strings"
)

// pemMarker starts every PEM block; a profile value holding it is inline
// PEM rather than a path (DESIGN.md: "PEM inline or a path").
const pemMarker = "-----BEGIN "

// readPEMSource returns inline PEM as is, or the content of the file at the
// path s.
func readPEMSource(s string) ([]byte, error) {
	if strings.Contains(s, pemMarker) {
		return []byte(s), nil
	}
	b, err := os.ReadFile(s)
	if err != nil {
		return nil, fmt.Errorf("creds: %w", err)
	}
	return b, nil
}

// readBinarySource returns the content of the file at the path s, or s
// decoded from base64 (how .sswan profiles embed a PKCS#12 file) when no
// such file exists and s decodes to a DER SEQUENCE, as a PKCS#12 PFX is.
func readBinarySource(s string) ([]byte, error) {
	b, err := os.ReadFile(s)
	if err == nil {
		return b, nil
	}
	clean := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if d, derr := base64.StdEncoding.DecodeString(clean); derr == nil && len(d) > 0 && d[0] == 0x30 {
		return d, nil
	}
	return nil, fmt.Errorf("creds: %w", err)
}
