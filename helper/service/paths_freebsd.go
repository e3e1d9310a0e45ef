package service

// Default paths on FreeBSD.
var Default = Paths{Socket: "/var/run/espresso/helper.sock", StateDir: "/var/db/espresso"}
