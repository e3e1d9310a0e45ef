package linux

import "time"

// MonitorOptions tune a Monitor; the zero value takes the defaults of
// platform.NewDebouncer and platform.NewWakeDetector.
type MonitorOptions struct {
	// Settle and MaxDelay configure the Debouncer.
	Settle, MaxDelay time.Duration
	// WakeInterval and WakeThreshold configure the WakeDetector.
	WakeInterval, WakeThreshold time.Duration
	// SystemBus is the D-Bus address where systemd-logind announces
	// suspend and resume; empty means the system bus. Where it cannot be
	// reached, the WakeDetector alone notices resumes.
	SystemBus string
}
