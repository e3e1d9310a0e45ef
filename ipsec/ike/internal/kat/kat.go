// Package kat holds the known-answer material of the IKE packages' tests: a
// real strongSwan 5.9.8 exchange with a pre-shared key and one with
// certificates (captures, the client's charon logs, the certificates, and the
// values charon logged, as hex), three post-quantum exchanges of strongSwan
// 6.0.6 (StrongSwan6 says what they are and how they were made), with the
// helpers that read them.
//
// The files are embedded, so every test package reads the same copy whatever
// its working directory. It is test support: its functions take a testing.TB
// and fail the test on anything unexpected, except the few that return errors
// for callers that load once outside a test.
package kat

import (
	"embed"
	"testing"
)

// The captures are "psk" and "cert"; testdata holds, for each, NAME.pcap,
// NAME-client-charon.log and NAME.txt, plus ca.crt, gw.crt and client.crt.
// testdata/strongswan-6.0.6 holds the same three files for each capture of
// StrongSwan6.
//
//go:embed testdata
var files embed.FS

// ReadFile returns the content of one of the files by name ("psk.pcap",
// "gw.crt").
func ReadFile(name string) ([]byte, error) {
	return files.ReadFile("testdata/" + name)
}

// File is ReadFile for tests: it fails tb if the file is missing.
func File(tb testing.TB, name string) []byte {
	tb.Helper()
	b, err := ReadFile(name)
	if err != nil {
		tb.Fatal(err)
	}
	return b
}
