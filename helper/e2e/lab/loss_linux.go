package lab

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// Loss drops percent of the packets that arrive at dev in ns, chosen at
// random, until ClearLoss or the end of the test. Set on both ends of a
// link, it makes the link lossy both ways.
//
// It is an nftables ingress rule (numgen random) rather than tc-netem(8)'s
// "loss", which works the same way but needs the sch_netem module that
// not every test kernel has. Dropping on arrival also leaves what the
// sender's own captures see untouched.
func Loss(t testnet.T, ns *testnet.Namespace, dev string, percent int) {
	t.Helper()
	table := lossTable(dev)
	ClearLoss(ns, dev)
	for _, cmd := range []string{
		"add table netdev " + table,
		fmt.Sprintf("add chain netdev %s in { type filter hook ingress device %q priority 0 ; }", table, dev),
		fmt.Sprintf("add rule netdev %s in numgen random mod 100 < %d counter drop", table, percent),
	} {
		if out, err := ns.Run("nft", cmd); err != nil {
			t.Fatalf("loss of %d%% on %s in %s: %v\n%s", percent, dev, ns.Name, err, out)
		}
	}
	t.Cleanup(func() { ClearLoss(ns, dev) })
}

// ClearLoss stops dropping packets arriving at dev in ns.
func ClearLoss(ns *testnet.Namespace, dev string) {
	ns.Run("nft", "delete table netdev "+lossTable(dev))
}

// LossDropped returns how many packets Loss dropped at dev in ns so far.
func LossDropped(ns *testnet.Namespace, dev string) int {
	out, err := ns.Run("nft", "list table netdev "+lossTable(dev))
	if err != nil {
		return 0
	}
	_, rest, ok := strings.Cut(out, "counter packets ")
	if !ok {
		return 0
	}
	n, _ := strconv.Atoi(strings.Fields(rest)[0])
	return n
}

// lossTable names the table of dev's loss rule.
func lossTable(dev string) string { return "lab_loss_" + dev }
