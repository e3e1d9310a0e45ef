package kat

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"regexp"
	"strings"
)

// LogLines returns the lines of a capture's client charon log ("psk" or
// "cert").
func LogLines(capture string) ([]string, error) {
	b, err := ReadFile(capture + "-client-charon.log")
	if err != nil {
		return nil, err
	}
	var lines []string
	s := bufio.NewScanner(bytes.NewReader(b))
	for s.Scan() {
		lines = append(lines, s.Text())
	}
	return lines, s.Err()
}

// LogText returns a charon log line without its time, thread, group and IKE
// SA prefix.
func LogText(line string) string {
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

// LogHex returns every hex dump that follows a line of a capture's client
// charon log containing label ("natd_hash", "Sk_ei secret"), in order.
func LogHex(capture, label string) ([][]byte, error) {
	lines, err := LogLines(capture)
	if err != nil {
		return nil, err
	}
	var out [][]byte
	for i := 0; i < len(lines); i++ {
		if !strings.Contains(lines[i], label+" =>") {
			continue
		}
		var b []byte
		for i+1 < len(lines) {
			m := hexLine.FindStringSubmatch(LogText(lines[i+1]))
			if m == nil {
				break
			}
			d, err := hex.DecodeString(strings.ReplaceAll(m[1], " ", ""))
			if err != nil {
				return nil, err
			}
			b = append(b, d...)
			i++
		}
		out = append(out, b)
	}
	return out, nil
}
