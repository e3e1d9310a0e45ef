package kat

import (
	"crypto/x509"
	"encoding/pem"
	"testing"
)

// Certificate returns one of the exchange's certificates ("ca.crt",
// "gw.crt", "client.crt"), failing tb if it does not parse.
func Certificate(tb testing.TB, name string) *x509.Certificate {
	tb.Helper()
	blk, _ := pem.Decode(File(tb, name))
	if blk == nil {
		tb.Fatalf("%s: no PEM block", name)
	}
	c, err := x509.ParseCertificate(blk.Bytes)
	if err != nil {
		tb.Fatal(err)
	}
	return c
}
