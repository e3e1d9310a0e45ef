// Package platform holds the interfaces through which the helper and the ESP
// data path reach the operating system, and the types they share.
//
// The OS side of a connection is declarative, in the manner of Tailscale's
// Router.Set: the helper describes the wanted state in a Config and a Tunnel
// makes the system match it. Calling Set again with a changed Config moves the
// system to the new state; Close removes everything the Tunnel made. Every
// implementation keeps a record of its edits in the helper's state directory
// so that Network.Recover can undo them after a crash.
//
// Beside the Network, a KillSwitch keeps a connection's traffic from
// leaving outside its tunnel while the user wants the connection (Linux:
// nftables), and a Monitor reports changes of the network and resumes from
// sleep, merged by a Debouncer, so that the connection manager retries at
// once.
//
// Implementations live in platform/linux, platform/darwin and
// platform/freebsd; platform/platformtest records the operations for
// tests. This package itself has no OS-specific behaviour except the
// socket mark, which only Linux has.
package platform
