package linux

import (
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"

	"github.com/google/nftables"
	"github.com/google/nftables/binaryutil"
	"github.com/google/nftables/expr"
	"golang.org/x/sys/unix"
)

// firewall is what the kill switch asks of nf_tables. Tests replace it
// with a recorder whose transcript is compared with golden files.
type firewall interface {
	// replace makes table (family inet) hold exactly chains, in one
	// transaction: there is no moment without a block.
	replace(table string, chains []fwChain) error
	// remove deletes table; a missing table is no error.
	remove(table string) error
}

// chainHooks are the netfilter hooks of the kill switch's chains, each
// chain named for its hook.
var chainHooks = map[fwHook]*nftables.ChainHook{
	hookOutput:  nftables.ChainHookOutput,
	hookForward: nftables.ChainHookForward,
}

// nftablesFirewall talks nf_tables netlink in one network namespace.
type nftablesFirewall struct {
	// netns is a descriptor of the namespace.
	netns int
}

func (f nftablesFirewall) conn() (*nftables.Conn, error) {
	return nftables.New(nftables.WithNetNSFd(f.netns))
}

func (f nftablesFirewall) replace(name string, chains []fwChain) error {
	c, err := f.conn()
	if err != nil {
		return err
	}
	t := &nftables.Table{Name: name, Family: nftables.TableFamilyINet}
	// Adding first makes the delete valid when the table is new; the
	// batch is one transaction, so the old rules stay until the new ones
	// are in.
	c.AddTable(t)
	c.DelTable(t)
	c.AddTable(t)
	accept := nftables.ChainPolicyAccept
	for _, chain := range chains {
		hook, ok := chainHooks[chain.Hook]
		if !ok {
			return fmt.Errorf("no netfilter hook %q", chain.Hook)
		}
		ch := c.AddChain(&nftables.Chain{
			Name:     string(chain.Hook),
			Table:    t,
			Type:     nftables.ChainTypeFilter,
			Hooknum:  hook,
			Priority: nftables.ChainPriorityFilter,
			Policy:   &accept,
		})
		for _, r := range chain.Rules {
			c.AddRule(&nftables.Rule{Table: t, Chain: ch, Exprs: r.exprs()})
		}
	}
	return c.Flush()
}

func (f nftablesFirewall) remove(name string) error {
	c, err := f.conn()
	if err != nil {
		return err
	}
	c.DelTable(&nftables.Table{Name: name, Family: nftables.TableFamilyINet})
	if err := c.Flush(); err != nil && !errors.Is(err, unix.ENOENT) {
		return err
	}
	return nil
}

// exprs compiles r into nf_tables expressions, in the order nft(8)
// would: family, addresses, interface, mark, transport, verdict.
func (r fwRule) exprs() []expr.Any {
	var e []expr.Any
	load := func(key expr.MetaKey) {
		e = append(e, &expr.Meta{Key: key, Register: 1})
	}
	eq := func(data []byte) {
		e = append(e, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: data})
	}
	switch r.family() {
	case unix.AF_INET:
		load(expr.MetaKeyNFPROTO)
		eq([]byte{unix.NFPROTO_IPV4})
	case unix.AF_INET6:
		load(expr.MetaKeyNFPROTO)
		eq([]byte{unix.NFPROTO_IPV6})
	}
	if r.Dst.IsValid() && r.Dst.Bits() > 0 {
		e = append(e, dstMatch(r.Dst)...)
	}
	if r.Iif != "" {
		load(expr.MetaKeyIIFNAME)
		eq(ifnameData(r.Iif))
	}
	if r.Oif != "" {
		load(expr.MetaKeyOIFNAME)
		eq(ifnameData(r.Oif))
	}
	if r.Mark != 0 {
		load(expr.MetaKeyMARK)
		eq(binaryutil.NativeEndian.PutUint32(r.Mark))
	}
	if r.Proto != 0 {
		load(expr.MetaKeyL4PROTO)
		eq([]byte{r.Proto})
	}
	transport := func(offset, length uint32, data []byte) {
		e = append(e, &expr.Payload{DestRegister: 1, Base: expr.PayloadBaseTransportHeader, Offset: offset, Len: length})
		eq(data)
	}
	if r.SPort != 0 {
		transport(0, 2, binary.BigEndian.AppendUint16(nil, r.SPort))
	}
	if r.DPort != 0 {
		transport(2, 2, binary.BigEndian.AppendUint16(nil, r.DPort))
	}
	if r.ICMPType != 0 {
		transport(0, 1, []byte{r.ICMPType})
	}
	if r.Reject {
		e = append(e, &expr.Reject{Type: unix.NFT_REJECT_ICMPX_UNREACH, Code: unix.NFT_REJECT_ICMPX_ADMIN_PROHIBITED})
	} else {
		e = append(e, &expr.Verdict{Kind: expr.VerdictAccept})
	}
	return e
}

// dstMatch loads the destination address from the network header (IPv4
// offset 16, IPv6 offset 24), masks it to p's length and compares.
func dstMatch(p netip.Prefix) []expr.Any {
	offset, size := uint32(16), uint32(4)
	if p.Addr().Is6() {
		offset, size = 24, 16
	}
	e := []expr.Any{&expr.Payload{DestRegister: 1, Base: expr.PayloadBaseNetworkHeader, Offset: offset, Len: size}}
	if p.Bits() < p.Addr().BitLen() {
		mask := netipMask(p)
		e = append(e, &expr.Bitwise{SourceRegister: 1, DestRegister: 1, Len: size, Mask: mask, Xor: make([]byte, size)})
	}
	return append(e, &expr.Cmp{Op: expr.CmpOpEq, Register: 1, Data: p.Masked().Addr().AsSlice()})
}

func netipMask(p netip.Prefix) []byte {
	m := make([]byte, p.Addr().BitLen()/8)
	for i := range p.Bits() {
		m[i/8] |= 0x80 >> (i % 8)
	}
	return m
}

// ifnameData is the comparison data for an interface name: the name
// padded with zeros to IFNAMSIZ for an exact match, or the bare prefix
// for a pattern ending in '*', which compares only that many bytes.
func ifnameData(name string) []byte {
	if n := len(name); n > 0 && name[n-1] == '*' {
		return []byte(name[:n-1])
	}
	b := make([]byte, unix.IFNAMSIZ)
	copy(b, name)
	return b
}
