package ikev2

import (
	"testing"
	"time"

	"github.com/espressovpn/espresso/helper/session"
)

// TestConfigDPDTimeout: the session's liveness limit reaches the Daemon.
func TestConfigDPDTimeout(t *testing.T) {
	cfg, err := config(session.Params{Auth: "psk", PSK: []byte("k"), RemoteID: "gw.example.test", DPD: 2 * time.Second, DPDTimeout: 20 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.DPDDelay != 2*time.Second || cfg.DPDTimeout != 20*time.Second {
		t.Errorf("DPD %v, timeout %v; want the session's 2s and 20s", cfg.DPDDelay, cfg.DPDTimeout)
	}
}
