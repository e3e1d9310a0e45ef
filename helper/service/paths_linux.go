package service

import "github.com/espressovpn/espresso/helper/api"

// Default paths on Linux: the socket in the tmpfs runtime directory, state
// with the other services' variable data.
var Default = Paths{Socket: api.DefaultSocket, StateDir: "/var/lib/espresso"}
