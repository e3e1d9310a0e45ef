// Package charonlog reads the debug logs of strongSwan's charon, as kept
// beside the captures that tests replay: the lines, their text without
// charon's prefix, and the hex dumps charon writes under a labelled line
// (keys, nonces, ESP packets before encryption and after decryption).
//
// It is test support: the logs are known files, so it favours clear
// failure over tolerance of every format charon has used.
package charonlog

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Read returns the lines of a log.
func Read(r io.Reader) ([]string, error) {
	var lines []string
	s := bufio.NewScanner(r)
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	return lines, s.Err()
}

// ReadFile returns the lines of the log at path.
func ReadFile(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return Read(bytes.NewReader(b))
}

// Text returns a log line without its time, thread, group and IKE SA
// prefix ("18:58:36 14[CHD] <cli-psk|1> ").
func Text(line string) string {
	if i := strings.Index(line, "> "); i >= 0 {
		return line[i+2:]
	}
	if i := strings.Index(line, "] "); i >= 0 {
		return line[i+2:]
	}
	return line
}

// hexLine is one line of a charon hex dump: an offset, then up to sixteen
// bytes in upper-case hex.
var hexLine = regexp.MustCompile(`^\s*\d+: ((?:[0-9A-F]{2} )*[0-9A-F]{2})`)

// Hex returns every hex dump that follows a line containing label and
// " =>" ("natd_hash", "Sk_ei secret", "encryption initiator key"), in
// order. charon logs an inbound ESP packet's plaintext as "payload =>"
// and an outbound one's as "payload = =>", so label "payload" finds the
// first and "payload =" the second.
func Hex(lines []string, label string) ([][]byte, error) {
	var out [][]byte
	for i := 0; i < len(lines); i++ {
		if !strings.Contains(lines[i], label+" =>") {
			continue
		}
		var b []byte
		for i+1 < len(lines) {
			m := hexLine.FindStringSubmatch(Text(lines[i+1]))
			if m == nil {
				break
			}
			d, err := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
			if err != nil {
				return nil, fmt.Errorf("charon log line %d: %w", i+2, err)
			}
			b = append(b, d...)
			i++
		}
		out = append(out, b)
	}
	return out, nil
}
