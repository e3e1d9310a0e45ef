package service

// Default paths on macOS.
var Default = Paths{Socket: "/var/run/espresso/helper.sock", StateDir: "/Library/Application Support/Espresso"}
