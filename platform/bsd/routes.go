package bsd

import (
	"fmt"
	"slices"

	"github.com/espressovpn/espresso/platform/internal/statefile"
)

// replaceKernelRoute handles an exclusion route that already exists. One
// the kernel made for itself (no RTF_STATIC: macOS clones a host route per
// destination it talks to, and expires it later) would vanish under the
// tunnel's routes and let IKE loop into the tunnel, so it is replaced with
// the exclusion route; one somebody added on purpose is left alone. It
// reports whether the exclusion route is now in place.
func (n *Network) replaceKernelRoute(r routeSpec) (bool, error) {
	m, err := n.routeGetMsg(r.Dst.Addr())
	if err != nil || m.flags&rtfStatic != 0 || m.addrs[0].ip != r.Dst.Addr().Unmap().WithZone("") {
		return false, nil
	}
	if err := n.writeMsg(n.opts.Layout.deleteDstMessage(r.Dst, n.pid, n.seq.Add(1))); err != nil && !isGone(err) {
		return false, fmt.Errorf("route delete %s: %w", r.Dst, err)
	}
	if err := n.writeRoute(rtmAdd, r); err != nil {
		return false, err
	}
	return true, nil
}

// syncRoutes makes the routes the tunnel owns equal want: it deletes the
// tunnel's routes first and its exclusions last, and adds in the reverse
// order, recording each route before adding it and forgetting it only
// once deleted. An exclusion the kernel already has (EEXIST) is not ours
// and is left alone.
func (t *Tunnel) syncRoutes(want []routeSpec) error {
	for r := range t.foreign {
		if !slices.Contains(want, r) {
			delete(t.foreign, r)
		}
	}
	for _, excl := range []bool{false, true} {
		for _, r := range slices.Clone(t.rec.Routes) {
			if r.Exclusion != excl || slices.Contains(want, r) {
				continue
			}
			if err := t.net.writeRoute(rtmDelete, r); err != nil && !isGone(err) {
				return err
			}
			t.rec.Routes = slices.DeleteFunc(t.rec.Routes, func(o routeSpec) bool { return o == r })
			if err := statefile.Save(t.path, &t.rec); err != nil {
				return err
			}
		}
	}
	for _, excl := range []bool{true, false} {
		for _, r := range want {
			if r.Exclusion != excl || slices.Contains(t.rec.Routes, r) || t.foreign[r] {
				continue
			}
			t.rec.Routes = append(t.rec.Routes, r)
			if err := statefile.Save(t.path, &t.rec); err != nil {
				return err
			}
			err := t.net.writeRoute(rtmAdd, r)
			if err == nil {
				continue
			}
			t.rec.Routes = slices.DeleteFunc(t.rec.Routes, func(o routeSpec) bool { return o == r })
			if serr := statefile.Save(t.path, &t.rec); serr != nil {
				return serr
			}
			if r.Exclusion && isExist(err) {
				replaced, rerr := t.net.replaceKernelRoute(r)
				if rerr != nil {
					return fmt.Errorf("tunnel %q: %w", t.name, rerr)
				}
				if replaced {
					t.rec.Routes = append(t.rec.Routes, r)
					if err := statefile.Save(t.path, &t.rec); err != nil {
						return err
					}
					continue
				}
				t.foreign[r] = true
				continue
			}
			return fmt.Errorf("tunnel %q: %w", t.name, err)
		}
	}
	return nil
}
