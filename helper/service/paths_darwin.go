package service

import "github.com/espressovpn/espresso/helper/api"

// Default paths on macOS.
var Default = Paths{Socket: api.DefaultSocket, StateDir: "/Library/Application Support/Espresso"}
