package session

import (
	"errors"
	"net/netip"
	"slices"
	"testing"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
	"github.com/espressovpn/espresso/platform"
	"github.com/espressovpn/espresso/platform/platformtest"
)

func TestBlockConfigFromProfile(t *testing.T) {
	p := pskProfile()
	p.Gateway = "[2001:db8::1]:4500"
	p.FWMark = "0x2a"
	parse := func(p api.Profile) *profile.Profile {
		t.Helper()
		tp, err := profile.Parse(&p)
		if err != nil {
			t.Fatal(err)
		}
		return tp
	}
	b := blockConfig(parse(p), nil, false)
	if b.Mark != 0x2a || len(b.Protected) != 2 || b.Protected[0].Bits() != 0 || b.Gateways[0] != netip.MustParseAddr("2001:db8::1") {
		t.Errorf("block %+v", b)
	}
	p.Gateway = "vpn.example.com"
	p.FWMark = ""
	peer := netip.MustParseAddr("192.0.2.7")
	if b = blockConfig(parse(p), []netip.Addr{peer}, true); !slices.Equal(b.Gateways, []netip.Addr{peer}) || b.Mark != 0 || !b.Up {
		t.Errorf("block for a named gateway %+v", b)
	}
}

// A refused block comes back as a *platform.KillSwitchError, coded as
// the kill switch's failure; a system without one has none to engage.
func TestKillSwitchErrorsAreCoded(t *testing.T) {
	if NewKillSwitch(nil) != nil {
		t.Error("a kill switch over none")
	}
	tp, err := profile.Parse(&api.Profile{Name: "work", Gateway: "192.0.2.1", Auth: api.AuthPSK, PSK: "k", KillSwitch: true})
	if err != nil {
		t.Fatal(err)
	}
	ks := platformtest.NewKillSwitch()
	ks.Fail(errors.New("nf_tables is not available"))
	err = NewKillSwitch(ks).Engage("work", tp, nil, false)
	var ke *platform.KillSwitchError
	if code, _ := Code(err); !errors.As(err, &ke) || code != api.FailureKillSwitch {
		t.Errorf("Engage = %v (code %q)", err, code)
	}
	if code, permanent := Code(ErrNoKillSwitch); code != api.FailureKillSwitch || permanent {
		t.Errorf("ErrNoKillSwitch: code %q, permanent %v", code, permanent)
	}
}
