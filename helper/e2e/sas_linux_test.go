package e2e

import (
	"strings"

	"github.com/espressovpn/espresso/helper/e2e/lab"
	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// testnetHasChild reports whether swanctl --list-sas lists a Child SA that
// carried packets both ways.
func testnetHasChild(listSAs string) bool {
	in, out := testnet.ChildPackets(listSAs)
	return in > 0 && out > 0
}

// gatewayProtocolLog returns the lines of the gateway's log about IKE
// messages and SAs, leaving out the configuration it prints at load.
func gatewayProtocolLog(gw *lab.Gateway) string {
	var b strings.Builder
	for l := range strings.SplitSeq(gw.Log(), "\n") {
		if strings.Contains(l, "[NET]") || strings.Contains(l, "[IKE]") || strings.Contains(l, "[ENC]") || strings.Contains(l, "[DMN]") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
