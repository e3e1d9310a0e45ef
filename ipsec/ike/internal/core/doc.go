// Package core is the machinery of package ike: it runs IKEv2 (RFC 7296)
// for one connection, negotiates an IKE SA and its Child SAs with a peer,
// as initiator (the VPN client, the default role) or in the role its
// owner builds (package ike/responder, for in-process tests and
// host-to-host tunnels), keeps them alive and rekeyed, and hands the Child
// SAs' keys to the ESP data path. Its exported names beyond package ike's
// are for the responder role.
//
// A Machine runs one connection; its owner holds the Conn handle. All
// protocol state lives on the Machine's single goroutine; datagrams, timer
// expiries and commands reach it through channels, so no state is shared
// between goroutines. The Machine delegates to parts, each with its own
// state and methods:
//
//   - role (role.go): what sets our end of the IKE SA apart, the initiator
//     or the responder (package responder);
//   - xchg (retransmit.go): message IDs and windows, retransmission,
//     responses and fragments;
//   - children (child.go): the Child SAs, their keys and data path entries;
//   - rekey (rekey.go): IKE and Child SA rekeys, collisions, back-off;
//   - mobike (mobike.go): our address, MOBIKE's address updates, a peer
//     that moved behind a NAT;
//   - live (liveness.go): liveness checks, NAT keepalives, INFORMATIONAL
//     requests and deletes.
//
// A part embeds the *Machine it serves, which gives it the collaborators
// (clock, log, sockets, configuration) and the other parts.
//
// The files follow the exchanges:
//
//   - sa_init.go (the responder's: sa_init_responder.go): IKE_SA_INIT
//     (§1.2) with COOKIE (§2.6) and INVALID_KE_PAYLOAD (§1.3) retries, NAT
//     detection (§2.23), and the fragmentation (RFC 7383) and signature
//     hash (RFC 7427) notifies;
//   - ike_auth.go (the responder's: ike_auth_responder.go): IKE_AUTH
//     (§1.2, §2.15) with a pre-shared key or certificates, the
//     configuration payload (§2.19) and traffic selectors (§2.9);
//     authenticate.go: the AUTH payloads and the peer's certificate,
//     through package auth;
//   - ike_auth_eap.go (the responder's: ike_auth_eap_responder.go): EAP
//     inside IKE_AUTH (§2.16), the MSK keying the closing AUTH payloads;
//   - rekey_child.go, rekey_ike.go: CREATE_CHILD_SA (§1.3) both ways, with
//     collisions (§2.8.1); rekey_failed.go: a refused Child SA rekey kept
//     and retried with back-off; proposal.go: proposal selection with
//     optional PFS (NONE in a key exchange list, §3.3.3, §3.3.6);
//   - informational.go: answers to INFORMATIONAL requests (§1.4), DELETE
//     (§1.4.1); liveness.go: liveness checks (§1.4, §2.4), given up after
//     Config.DPDTimeout, and INVALID_IKE_SPI taken as a hint (§2.21.4);
//     retire.go: a rekeyed Child SA's inbound direction kept a little
//     after its delete, for the packets still on their way;
//   - mobike.go: MOBIKE (RFC 4555), moving the IKE and Child SAs to a new
//     path with UPDATE_SA_ADDRESSES when the owner calls PathChanged;
//   - expire.go: the data path's soft and hard lifetime expiries;
//   - version.go: INVALID_MAJOR_VERSION for later IKE versions (§2.5);
//   - retransmit.go, message.go, fragment.go: message IDs and windows (§2.3),
//     retransmission (§2.1), SK protection (§3.14) and fragmentation.
//
// Key material never reaches a log, and it is wiped when its SA ends.
package core
