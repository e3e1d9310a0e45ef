package service

import "github.com/espressovpn/espresso/helper/api"

// Default paths on FreeBSD.
var Default = Paths{Socket: api.DefaultSocket, StateDir: "/var/db/espresso"}
