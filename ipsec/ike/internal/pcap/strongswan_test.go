package pcap_test

import (
	"net/netip"
	"os"
	"path/filepath"
	"testing"

	"github.com/espressovpn/espresso/ipsec/ike/internal/kat"
	"github.com/espressovpn/espresso/ipsec/ike/internal/pcap"
)

// The PSK capture of the strongSwan exchange, read from a file as the
// helpers of other tests do.
func TestReadStrongSwanCapture(t *testing.T) {
	path := filepath.Join(t.TempDir(), "psk.pcap")
	if err := os.WriteFile(path, kat.File(t, "psk.pcap"), 0o600); err != nil {
		t.Fatal(err)
	}
	ds, err := pcap.ReadFile(path)
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
