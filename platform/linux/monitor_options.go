package linux

import "time"

// MonitorOptions tune a Monitor; the zero value takes the defaults of
// platform.NewDebouncer and platform.NewWakeDetector.
type MonitorOptions struct {
	// Settle and MaxDelay configure the Debouncer.
	Settle, MaxDelay time.Duration
	// WakeInterval and WakeThreshold configure the WakeDetector.
	WakeInterval, WakeThreshold time.Duration
}
