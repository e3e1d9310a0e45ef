package session

import (
	"github.com/espressovpn/espresso/ipsec/datapath"
	"github.com/espressovpn/espresso/platform"
)

// The engine drives one datapath.Device. On Linux the Tunnel keeps one
// shared device (platform.SharedDeviceTunnel) and the engine drives it
// directly, with no copy and no goroutine in between. On macOS and FreeBSD
// a Tunnel has one device per virtual IP; the session's datapath.Mux joins
// them and follows every change of the Tunnel's devices.

// engineDevice returns the device the engine is to drive once the first
// Set has created the tunnel's devices: the shared one, or a Mux.
func (s *Session) engineDevice() datapath.Device {
	if st, ok := s.tunnel.(platform.SharedDeviceTunnel); ok {
		if d := st.SharedDevice(); d != nil {
			return d
		}
	}
	s.mux = s.newMux()
	return s.mux
}

// newMux returns the Mux over the tunnel's devices as they are now.
func (s *Session) newMux() *datapath.Mux {
	m := datapath.NewMux(datapath.MuxConfig{BufferSize: datapath.BufferSizeFor(s.st.mtu)})
	m.Set(muxLinks(s.tunnel.Links()))
	return m
}

// setTunnel applies cfg to the system and hands the devices that result
// to the engine. What cfg routes is claimed first: networks another
// connection routes are refused before any route goes in. The devices are
// followed even when Set fails, since a failed Set may have created or
// removed some.
func (s *Session) setTunnel(cfg *platform.Config) error {
	if err := s.d.opts.Claims.Claim(s, s.st.name, platform.NetworksOf(cfg)); err != nil {
		return err
	}
	err := s.tunnel.Set(cfg)
	if s.mux != nil {
		s.mux.Set(muxLinks(s.tunnel.Links()))
	}
	return err
}

func muxLinks(links []platform.Link) []datapath.MuxLink {
	out := make([]datapath.MuxLink, len(links))
	for i, l := range links {
		out[i] = datapath.MuxLink{Device: l.Device, Addrs: l.Addrs}
	}
	return out
}
