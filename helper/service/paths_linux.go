package service

// Default paths on Linux: the socket in the tmpfs runtime directory, state
// with the other services' variable data.
var Default = Paths{Socket: "/run/espresso/helper.sock", StateDir: "/var/lib/espresso"}
