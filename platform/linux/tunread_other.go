//go:build !linux

package linux

import "golang.zx2c4.com/wireguard/tun"

// BatchReads returns dev as it is outside Linux.
func BatchReads(dev tun.Device) (tun.Device, error) { return dev, nil }
