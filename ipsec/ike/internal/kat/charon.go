package kat

import (
	"bytes"

	"github.com/espressovpn/espresso/ipsec/internal/charonlog"
)

// LogLines returns the lines of a capture's client charon log ("psk" or
// "cert").
func LogLines(capture string) ([]string, error) {
	b, err := ReadFile(capture + "-client-charon.log")
	if err != nil {
		return nil, err
	}
	return charonlog.Read(bytes.NewReader(b))
}

// LogText returns a charon log line without its time, thread, group and IKE
// SA prefix.
func LogText(line string) string { return charonlog.Text(line) }

// LogHex returns every hex dump that follows a line of a capture's client
// charon log containing label ("natd_hash", "Sk_ei secret"), in order.
func LogHex(capture, label string) ([][]byte, error) {
	lines, err := LogLines(capture)
	if err != nil {
		return nil, err
	}
	return charonlog.Hex(lines, label)
}
