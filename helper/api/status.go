package api

import "time"

// State is where a connection is in its life.
type State string

// The states of a connection. A profile that was never connected is
// StateDisconnected.
const (
	// StateDisconnected: no tunnel and none wanted.
	StateDisconnected State = "disconnected"
	// StateConnecting: the first negotiation is under way.
	StateConnecting State = "connecting"
	// StateConnected: the tunnel is established and the system configured;
	// traffic can flow.
	StateConnected State = "connected"
	// StateReconnecting: the tunnel was lost and the helper is establishing
	// it again.
	StateReconnecting State = "reconnecting"
	// StateFailed: the last attempt failed; LastError and ErrorCode say
	// why.
	StateFailed State = "failed"
)

// Valid reports whether s is one of the defined states.
func (s State) Valid() bool {
	switch s {
	case StateDisconnected, StateConnecting, StateConnected, StateReconnecting, StateFailed:
		return true
	}
	return false
}

// Encapsulations of ESP (ConnectionStatus.Encapsulation).
const (
	// EncapsulationUDP is ESP in UDP on the IKE socket (RFC 3948).
	EncapsulationUDP = "udp"
	// EncapsulationRaw is ESP as IP protocol 50 (RFC 4303).
	EncapsulationRaw = "raw"
)

// ConnectionStatus is the state of one profile's connection, with exactly
// the fields `espressoctl status --json` prints. Fields that do not apply
// in the current state are empty, zero or null; all are always present.
// Fields may be added, none is renamed.
type ConnectionStatus struct {
	// Name is the profile's name.
	Name string `json:"name"`
	// State is the connection's state.
	State State `json:"state"`
	// Gateway is the profile's gateway.
	Gateway string `json:"gateway"`
	// VirtualIPs are the addresses the gateway assigned.
	VirtualIPs []string `json:"virtual_ips"`
	// DNS are the name servers in use for the tunnel.
	DNS []string `json:"dns"`
	// DNSDomains are the DNS domains (RFC 8598 INTERNAL_DNS_DOMAIN and
	// the profile's dns_domains) whose names go to DNS: on a split
	// tunnel only those names, on a full tunnel every name.
	DNSDomains []string `json:"dns_domains"`
	// LocalTS are the negotiated local traffic selectors.
	LocalTS []string `json:"local_ts"`
	// RemoteTS are the negotiated remote traffic selectors.
	RemoteTS []string `json:"remote_ts"`
	// Blocked are the prefixes the profile's remote_ts asked for and the
	// gateway did not grant: they are refused instead of going outside
	// the tunnel (the profile's allow_ungranted lets a family through).
	Blocked []string `json:"blocked"`
	// IKEProposal is the chosen IKE proposal.
	IKEProposal string `json:"ike_proposal"`
	// KeyExchanges names the IKE SA's key exchanges, the first one and
	// the additional ones of RFC 9370: "x25519 + ML-KEM-768".
	KeyExchanges string `json:"key_exchanges,omitempty"`
	// ESPProposal is the chosen ESP proposal.
	ESPProposal string `json:"esp_proposal"`
	// NATDetected reports a NAT between client and gateway (RFC 7296
	// §2.23).
	NATDetected bool `json:"nat_detected"`
	// Encapsulation is EncapsulationUDP or EncapsulationRaw while
	// connected, empty otherwise.
	Encapsulation string `json:"encapsulation"`
	// BytesIn counts decrypted payload bytes received.
	BytesIn uint64 `json:"bytes_in"`
	// BytesOut counts payload bytes sent.
	BytesOut uint64 `json:"bytes_out"`
	// PacketsIn counts packets received.
	PacketsIn uint64 `json:"packets_in"`
	// PacketsOut counts packets sent.
	PacketsOut uint64 `json:"packets_out"`
	// Drops counts the packets (ESP: "replay", "integrity", "policy",
	// "no_sa", "malformed", "queue_full", "send") and IKE messages
	// ("ike_no_sa", "ike_unauthenticated", ...) the connection dropped,
	// by reason; absent when there were none. On Linux it also counts
	// what the kernel dropped before the engine read it, since the
	// connection's engine started: "device_queue", packets the TUN
	// device dropped because its queue was full, and "socket_queue",
	// datagrams the NAT-T or raw ESP socket dropped because its receive
	// buffer was full; other systems do not tell.
	Drops map[string]uint64 `json:"drops,omitempty"`
	// EstablishedAt is when the current tunnel came up; null when not
	// connected.
	EstablishedAt *time.Time `json:"established_at"`
	// LastError is the reason of the last failure, in words; empty if
	// none. While reconnecting it is the reason the tunnel was lost or the
	// last attempt failed; Reconnect has the progress.
	LastError string `json:"last_error"`
	// ErrorCode classifies LastError for programs; empty when LastError
	// is.
	ErrorCode FailureCode `json:"error_code"`
	// Reconnect is the progress of the reconnection while the state is
	// StateReconnecting; null otherwise.
	Reconnect *Reconnect `json:"reconnect"`
	// AlwaysOn reports that the helper keeps this connection up by
	// itself: the profile has auto_connect, or is the default always-on
	// profile (AlwaysOn).
	AlwaysOn bool `json:"always_on"`
	// Standby says, in words, why an always-on connection is down
	// although always-on: "on trusted network prefix:192.0.2.0/24", or
	// that the user disconnected it; empty otherwise.
	Standby string `json:"standby"`
}
