package lab

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/espressovpn/espresso/platform/linux/testnet"
)

// Loss drops percent of the IP packets that arrive at dev in ns, each
// at random and independently of the others, until ClearLoss or the end
// of the test. Set on both ends of a link, it makes the link lossy both
// ways. Neighbour discovery (ARP) is left alone: its losses would only add
// the kernel's resolution delays, out of what a test can compute the odds
// of.
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
		fmt.Sprintf("add rule netdev %s in meta protocol { ip, ip6 } numgen random mod 100 < %d counter drop", table, percent),
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
	return dropped(ns, lossTable(dev))
}

// DropFirst drops the first IP packet arriving at dev in ns that matches
// the nftables expression match (such as "udp dport 500"), and only that
// one: a loss at a chosen place, which a test can count on where random
// loss (Loss) only makes it likely. FirstDropped tells whether it came.
func DropFirst(t testnet.T, ns *testnet.Namespace, dev, match string) {
	t.Helper()
	table := dropFirstTable(dev)
	ns.Run("nft", "delete table netdev "+table)
	// numgen inc counts the packets that get to it, those that match,
	// from 0; the modulus is as far as it goes (it never wraps in a test).
	for _, cmd := range []string{
		"add table netdev " + table,
		fmt.Sprintf("add chain netdev %s in { type filter hook ingress device %q priority -1 ; }", table, dev),
		fmt.Sprintf("add rule netdev %s in meta protocol { ip, ip6 } %s numgen inc mod 4294967295 < 1 counter drop", table, match),
	} {
		if out, err := ns.Run("nft", cmd); err != nil {
			t.Fatalf("dropping the first packet of %q on %s in %s: %v\n%s", match, dev, ns.Name, err, out)
		}
	}
	t.Cleanup(func() { ns.Run("nft", "delete table netdev "+table) })
}

// FirstDropped returns how many packets DropFirst dropped at dev in ns:
// 1 once the first matching packet came, 0 before.
func FirstDropped(ns *testnet.Namespace, dev string) int {
	return dropped(ns, dropFirstTable(dev))
}

// dropped returns the packet count of the counter in table.
func dropped(ns *testnet.Namespace, table string) int {
	out, err := ns.Run("nft", "list table netdev "+table)
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

// lossTable names the table of dev's loss rule, dropFirstTable that of
// its DropFirst rule.
func lossTable(dev string) string      { return "lab_loss_" + dev }
func dropFirstTable(dev string) string { return "lab_drop1_" + dev }
