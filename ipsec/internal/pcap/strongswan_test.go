package pcap_test

import (
	"net/netip"
	"path/filepath"
	"testing"

	"github.com/espressovpn/espresso/ipsec/internal/pcap"
)

// pskCapture is the PSK capture of the strongSwan exchange, kept once
// with the known-answer material of ipsec/ike/internal/kat.
const pskCapture = "../../ike/internal/kat/testdata/psk.pcap"

// TestReadStrongSwanCapture reads the PSK capture from its file, as the
// helpers of other tests do.
func TestReadStrongSwanCapture(t *testing.T) {
	ds, err := pcap.ReadFile(pskCapture)
	if err != nil {
		t.Fatal(err)
	}
	var ike, esp int
	for _, d := range ds {
		if _, ok := d.IKE(); ok {
			ike++
		}
		if _, ok := d.ESP(); ok {
			esp++
		}
	}
	// README of the capture: IKE_SA_INIT, IKE_AUTH, a Child rekey, its
	// DELETE, an IKE rekey, its DELETE and the final DELETE (7 exchanges),
	// and nine pings with their replies.
	if len(ds) != 32 || ike != 14 || esp != 18 {
		t.Errorf("got %d datagrams, %d IKE, %d ESP; want 32, 14, 18", len(ds), ike, esp)
	}
	first, _ := ds[0].IKE()
	if ds[0].Src != netip.MustParseAddrPort("192.0.2.2:500") || len(first) != 232 {
		t.Errorf("first datagram %v, %d bytes; want the 232-byte IKE_SA_INIT request from 192.0.2.2:500", ds[0].Src, len(first))
	}
	if _, err := pcap.ReadFile(filepath.Join(t.TempDir(), "missing.pcap")); err == nil {
		t.Error("missing file read")
	}
}
