package e2e

import (
	"testing"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/ipsec/ike"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// responder is lab.Responder, Espresso's own IKEv2 responder and ESP
// engine, acting as the gateway of a testnet.Topology from the test
// process, with its log in the test's.
type responder struct{ r *lab.Responder }

// startResponder starts the gateway in top.Gateway and stops it when the
// test ends.
func startResponder(t *testing.T, top *testnet.Topology) *responder {
	t.Helper()
	return &responder{lab.StartResponder(t, top.Gateway, testWriter{t})}
}

// startResponderMTU is startResponder with a TUN device and engine of the
// given MTU.
func startResponderMTU(t *testing.T, top *testnet.Topology, mtu int) *responder {
	t.Helper()
	return &responder{lab.StartResponderMTU(t, top.Gateway, testWriter{t}, mtu)}
}

// established returns the responder's Established event, if it had one.
func (r *responder) established() *ike.Established { return r.r.Established() }

// testWriter sends the responder's log to the test's.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Logf("gateway: %s", b)
	return len(b), nil
}
