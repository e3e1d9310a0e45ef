package traffic

import (
	"fmt"
	"time"
)

// Bytes writes a byte count with a decimal unit: "0 B", "1.5 kB",
// "12.3 MB", "4.00 GB".
func Bytes(n uint64) string {
	const unit = 1000
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	v := float64(n)
	for _, u := range []string{"kB", "MB", "GB", "TB"} {
		v /= unit
		if v < unit || u == "TB" {
			return scaled(v) + " " + u
		}
	}
	return ""
}

// Rate writes a throughput given in bytes per second as bits per second,
// the unit network links are sold in: "0 bit/s", "800 kbit/s",
// "12.5 Mbit/s".
func Rate(bytesPerSecond float64) string {
	b := bytesPerSecond * 8
	if b < 1000 {
		return fmt.Sprintf("%.0f bit/s", b)
	}
	for _, u := range []string{"kbit/s", "Mbit/s", "Gbit/s"} {
		b /= 1000
		if b < 1000 || u == "Gbit/s" {
			return scaled(b) + " " + u
		}
	}
	return ""
}

// scaled writes v with three significant digits.
func scaled(v float64) string {
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f", v)
	case v >= 10:
		return fmt.Sprintf("%.1f", v)
	}
	return fmt.Sprintf("%.2f", v)
}

// Duration writes how long a connection has been up: "42s", "5m 07s",
// "3h 05m", "2d 4h".
func Duration(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	s := int64(d / time.Second)
	switch {
	case s < 60:
		return fmt.Sprintf("%ds", s)
	case s < 3600:
		return fmt.Sprintf("%dm %02ds", s/60, s%60)
	case s < 86400:
		return fmt.Sprintf("%dh %02dm", s/3600, s%3600/60)
	}
	return fmt.Sprintf("%dd %dh", s/86400, s%86400/3600)
}
