package main

import (
	"errors"
	"fmt"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/logring"
	"github.com/espressovpn/espresso/helper/session"
	"github.com/espressovpn/espresso/platform"
)

// system is what the helper uses of the operating system.
type system struct {
	net platform.Network
	// ks is nil where the OS has no kill switch; profiles that ask for one
	// are then refused.
	ks platform.KillSwitch
	// monitor is nil when network changes cannot be followed; connections
	// then notice a new path only through dead peer detection.
	monitor platform.Monitor
}

// openSystem opens this OS's network platform and undoes every route,
// rule, address, DNS change and device a crashed helper left behind,
// before anything is served. A kill switch block the user still wants is
// kept: the connection manager resumes its connection.
func openSystem(stateDir string, log *logring.Ring) (*system, error) {
	n, err := openPlatform(stateDir)
	if err != nil {
		return nil, fmt.Errorf("platform: %w", err)
	}
	if err := n.Recover(); err != nil {
		return nil, fmt.Errorf("cleaning up after the previous helper: %w", err)
	}
	log.Logf(api.LevelInfo, "", "system state of any previous helper cleaned up")
	s := &system{net: n}
	switch ks, err := openKillSwitch(n); {
	case errors.Is(err, platform.ErrUnsupported):
	case err != nil:
		log.Logf(api.LevelWarn, "", "kill switch unavailable: %v", err)
	default:
		s.ks = ks
	}
	switch mon, err := openMonitor(n); {
	case errors.Is(err, platform.ErrUnsupported):
	case err != nil:
		log.Logf(api.LevelWarn, "", "not following network changes: %v", err)
	default:
		s.monitor = mon
	}
	return s, nil
}

// close stops following the network and closes the kill switch; the
// blocks it holds stay in place, as the connection manager decided.
func (s *system) close() error {
	var errs []error
	if s.monitor != nil {
		errs = append(errs, s.monitor.Close())
	}
	if c, ok := s.ks.(interface{ Close() error }); ok {
		errs = append(errs, c.Close())
	}
	return errors.Join(errs...)
}

// survey returns how the connection manager learns what network the
// machine is on, for trusted networks; nil where the OS cannot tell.
func (s *system) survey() func() (session.Surroundings, error) {
	if sv, ok := s.net.(platform.Surveyor); ok {
		return sv.Survey
	}
	return nil
}

// killSwitch returns the kill switch as the connection manager drives
// it; nil where the OS has none.
func (s *system) killSwitch() *session.KillSwitch {
	return session.NewKillSwitch(s.ks)
}

// newDialer returns the Dialer that connects profiles over network with
// the IKEv2 initiator and the userland ESP engine, logging to log and
// remembering each profile's virtual IPs in addresses and recording
// what each connection routes in claims.
func newDialer(network platform.Network, log *logring.Ring, addresses string, claims *platform.Claims) session.Dialer {
	return session.NewConnector(network, session.Options{
		Negotiator: session.IKE{}, Logger: log,
		Addresses: session.NewAddressFile(addresses),
		Claims:    claims,
	})
}
