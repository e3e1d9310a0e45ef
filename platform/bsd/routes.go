package bsd

import (
	"fmt"
	"slices"
)

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
			if err := t.rec.save(t.path); err != nil {
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
			if err := t.rec.save(t.path); err != nil {
				return err
			}
			err := t.net.writeRoute(rtmAdd, r)
			if err == nil {
				continue
			}
			t.rec.Routes = slices.DeleteFunc(t.rec.Routes, func(o routeSpec) bool { return o == r })
			if serr := t.rec.save(t.path); serr != nil {
				return serr
			}
			if r.Exclusion && isExist(err) {
				t.foreign[r] = true
				continue
			}
			return fmt.Errorf("tunnel %q: %w", t.name, err)
		}
	}
	return nil
}
