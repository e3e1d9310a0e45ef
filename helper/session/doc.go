// Package session is the helper's real connection: its Connector is the
// Dialer helper/conn's manager dials through, joining a profile to the
// system and the protocol. The types the two share (Attempt, Conn, Info,
// Counters) are defined here, and every error a Dial or a Conn returns
// carries its failure code (Code), so that the manager classifies
// failures without knowing ipsec/ike or platform.
//
// For one profile a Dial resolves the gateway, asks the platform for the
// path to it, opens the IKE and NAT-T sockets (and a raw ESP socket when
// the profile asks for one) through platform.Network, opens the
// connection's Tunnel so that its TUN device exists, starts an
// ipsec/datapath engine between the sockets and a datapath.Mux over the
// Tunnel's devices (one per virtual IP on macOS and FreeBSD, so the Mux
// follows them through every Set), and runs the
// IKEv2 initiator through the Negotiator seam. Once the IKE SA and its
// first Child SA are up, the Child SA is in the engine and the Tunnel's
// Config (virtual IPs, routes for the remote selectors, the exclusion
// route for the gateway, DNS, MTU) is applied, Dial returns the Session.
// Session.Close undoes all of it in the reverse order.
//
// An on-demand profile is dialled in the other order: the routes and a
// trap policy go in first and Dial returns at once; the first packet that
// reaches the TUN device raises the engine's acquire event, which starts
// the negotiation, and the engine sends the held packet once the Child SA
// is installed. When that IKE SA ends, the trap is armed again.
//
// The package reaches ipsec/ike through Negotiator, in ike's own types
// (ike.Config, ike.Options, ike.Event, ike.ChildSA), so that it is tested
// with a fake one; IKE binds it to ike.New. The Child SAs go into the
// engine through ike.EngineDataPath, the same DataPath ike's tests use. Of
// ipsec/ike it also knows the typed errors, which Code turns into failure
// codes.
package session
