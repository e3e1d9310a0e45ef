package platform

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"
	"sync"
)

// Networks are what one connection routes: the prefixes that go into its
// tunnel (its remote selectors and the prefixes it blocks) and those it
// keeps out of it (its exclude list).
type Networks struct {
	Routed  []netip.Prefix
	Exclude []netip.Prefix
}

// NetworksOf returns what c routes.
func NetworksOf(c *Config) Networks {
	return Networks{
		Routed:  maskAll(slices.Concat(c.RemoteSelectors, c.Blocked)),
		Exclude: maskAll(c.Exclude),
	}
}

// Overlap returns the prefixes that both n and o route, each once: of two
// overlapping prefixes the narrower, which is where they meet, unless an
// exclude of either side keeps all of it out of that side's tunnel.
func (n Networks) Overlap(o Networks) []netip.Prefix {
	var out []netip.Prefix
	for _, a := range n.Routed {
		for _, b := range o.Routed {
			if !a.Overlaps(b) {
				continue
			}
			meet := a
			if b.Bits() > a.Bits() {
				meet = b
			}
			if covered(meet, n.Exclude) || covered(meet, o.Exclude) || slices.Contains(out, meet) {
				continue
			}
			out = append(out, meet)
		}
	}
	return out
}

// covered reports whether one of ps contains all of p.
func covered(p netip.Prefix, ps []netip.Prefix) bool {
	for _, e := range ps {
		if e.Bits() <= p.Bits() && e.Contains(p.Addr()) {
			return true
		}
	}
	return false
}

// Claims are the networks of every connection that routes some.
// Connections up at the same time keep their routes apart (on Linux each
// in its own table), so two that route the same destination would each
// send it their own way depending on the order of their rules: the
// second is refused before its routes go in. One Claims serves every
// connection of a helper, on every OS.
type Claims struct {
	mu sync.Mutex
	m  map[any]claim
}

// claim is what one owner (a connection attempt) claimed for the
// connection name.
type claim struct {
	name string
	n    Networks
}

// Claim records n as what owner, an attempt of the connection name,
// routes, replacing what owner claimed before, unless n overlaps what
// another connection claimed: then it returns an *OverlapError and owner
// keeps its earlier claim. Claims of the same name never overlap, so that
// a new attempt may claim before the one it replaces has released.
func (c *Claims) Claim(owner any, name string, n Networks) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if err := c.checkLocked(name, n); err != nil {
		return err
	}
	if c.m == nil {
		c.m = map[any]claim{}
	}
	c.m[owner] = claim{name: name, n: Networks{Routed: slices.Clone(n.Routed), Exclude: slices.Clone(n.Exclude)}}
	return nil
}

// Check returns the *OverlapError Claim would return for n, without
// claiming anything.
func (c *Claims) Check(name string, n Networks) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.checkLocked(name, n)
}

// Overlapping returns the names of the other connections whose claims
// overlap n, sorted.
func (c *Claims) Overlapping(name string, n Networks) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []string
	for _, cl := range c.m {
		if cl.name != name && len(n.Overlap(cl.n)) > 0 && !slices.Contains(out, cl.name) {
			out = append(out, cl.name)
		}
	}
	slices.Sort(out)
	return out
}

// checkLocked compares n with the other connections' claims in the
// order of their names, so the error names the same one every time.
func (c *Claims) checkLocked(name string, n Networks) error {
	var found *OverlapError
	for _, cl := range c.m {
		if cl.name == name {
			continue
		}
		if p := n.Overlap(cl.n); len(p) > 0 && (found == nil || cl.name < found.Other) {
			found = &OverlapError{Name: name, Other: cl.name, Prefixes: p}
		}
	}
	if found != nil {
		return found
	}
	return nil
}

// Release forgets what owner claimed.
func (c *Claims) Release(owner any) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.m, owner)
}

// OverlapError refuses a connection whose networks overlap those of an
// active one.
type OverlapError struct {
	// Name is the connection refused, Other the active one.
	Name, Other string
	// Prefixes are where the two meet.
	Prefixes []netip.Prefix
}

func (e *OverlapError) Error() string {
	ps := make([]string, len(e.Prefixes))
	for i, p := range e.Prefixes {
		ps[i] = p.String()
	}
	return fmt.Sprintf("%s routes %s, which the active connection %s already routes: disconnect %s first, or let %s replace it",
		e.Name, strings.Join(ps, ", "), e.Other, e.Other, e.Name)
}
