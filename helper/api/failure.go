package api

import "time"

// FailureCode says, for a program, why a connection attempt failed or a
// tunnel was lost: ConnectionStatus.ErrorCode, Reconnect.ErrorCode and
// Error.ErrorCode carry it next to the reason in words. Clients branch on
// the code and treat one they do not know like FailureInternal: new codes
// may be added, none is renamed.
type FailureCode string

// The failure codes. The helper derives them from the typed errors of the
// IKEv2 implementation (RFC 7296 §3.10.1 names the notify behind several).
const (
	// FailureAuthLocal: the gateway refused our authentication
	// (AUTHENTICATION_FAILED): a wrong pre-shared key, or a client
	// certificate it does not accept.
	FailureAuthLocal FailureCode = "auth_failed_local"
	// FailureAuthIdentities: the gateway answered AUTHENTICATION_FAILED
	// to a request that named the gateway identity it should have (the
	// profile's remote_id): it may know no configuration for that identity
	// or ours, or refuse the key or certificate; the notify does not say
	// which. The reason in words quotes both identities sent.
	FailureAuthIdentities FailureCode = "auth_failed_identities"
	// FailureAuthGateway: the gateway's own authentication did not verify:
	// its AUTH payload does not match the pre-shared key or its
	// certificate's key, or it failed to prove itself inside EAP.
	FailureAuthGateway FailureCode = "auth_failed_gateway"
	// FailureEAPRejected: the gateway refused our EAP credentials: for
	// EAP-MSCHAPv2 a wrong user name or password, for EAP-TLS a client
	// certificate it does not accept (RFC 7296 §2.16).
	FailureEAPRejected FailureCode = "eap_rejected"
	// FailureEAPMethod: the gateway and the profile agree on no EAP
	// method.
	FailureEAPMethod FailureCode = "eap_method"
	// FailureNoProposal: no IKE or ESP proposal is acceptable to both
	// sides (NO_PROPOSAL_CHOSEN).
	FailureNoProposal FailureCode = "no_proposal"
	// FailureTSUnacceptable: the gateway refused the traffic selectors
	// (TS_UNACCEPTABLE, RFC 7296 §2.9).
	FailureTSUnacceptable FailureCode = "ts_unacceptable"
	// FailureConfigRefused: the gateway assigned no virtual IP
	// (INTERNAL_ADDRESS_FAILURE, FAILED_CP_REQUIRED; RFC 7296 §3.15.4).
	FailureConfigRefused FailureCode = "config_refused"
	// FailureConfigInvalid: the gateway's configuration reply assigned a
	// virtual IP or a DNS server that is not a unicast address
	// (multicast, loopback, link-local, unspecified...), which the helper
	// refuses to put on this computer.
	FailureConfigInvalid FailureCode = "config_invalid"
	// FailurePeerUnreachable: the gateway answered no request after every
	// retransmission, or dead peer detection gave up (RFC 7296 §2.4).
	FailurePeerUnreachable FailureCode = "peer_unreachable"
	// FailureTimeout: the negotiation did not finish in the time the
	// helper allows it.
	FailureTimeout FailureCode = "timeout"
	// FailureDNS: the gateway's host name did not resolve.
	FailureDNS FailureCode = "dns_failed"
	// FailureCertUntrusted: the gateway's certificate does not chain to
	// the profile's CA.
	FailureCertUntrusted FailureCode = "cert_untrusted"
	// FailureCertExpired: the gateway's certificate (or one of its chain)
	// has expired.
	FailureCertExpired FailureCode = "cert_expired"
	// FailureCertNotYetValid: the gateway's certificate is not valid yet;
	// often this computer's clock is wrong.
	FailureCertNotYetValid FailureCode = "cert_not_yet_valid"
	// FailureCertKeyUsage: the gateway's certificate may not sign for IKE.
	FailureCertKeyUsage FailureCode = "cert_key_usage"
	// FailureIdentityMismatch: the gateway proved an identity other than
	// the profile's remote_id, or its certificate does not hold it.
	FailureIdentityMismatch FailureCode = "identity_mismatch"
	// FailureLocalCertExpired: this computer's own certificate (the
	// profile's cert or PKCS#12 file) has expired.
	FailureLocalCertExpired FailureCode = "local_cert_expired"
	// FailureLocalCertNotYetValid: this computer's own certificate is not
	// valid yet; often this computer's clock is wrong.
	FailureLocalCertNotYetValid FailureCode = "local_cert_not_yet_valid"
	// FailureLocalCertKeyUsage: this computer's own certificate may not
	// sign for IKE (RFC 4945 §5.1.3.2, §5.1.3.12).
	FailureLocalCertKeyUsage FailureCode = "local_cert_key_usage"
	// FailureP12Password: the profile's PKCS#12 file does not open with
	// its password.
	FailureP12Password FailureCode = "p12_password"
	// FailureKeyMismatch: the profile's private key does not belong to
	// its certificate.
	FailureKeyMismatch FailureCode = "key_mismatch"
	// FailureCredentials: the profile's certificates (its own or the CA)
	// or key cannot be used: unreadable, malformed, an encrypted PEM key,
	// a key type IKE cannot sign with.
	FailureCredentials FailureCode = "credentials_invalid"
	// FailurePasswordTimeout: the helper asked for the EAP password and
	// nobody answered in time (see PromptProtocol).
	FailurePasswordTimeout FailureCode = "password_timeout"
	// FailurePasswordCancelled: the helper asked for the EAP password and
	// the user cancelled.
	FailurePasswordCancelled FailureCode = "password_cancelled"
	// FailureRekeyFailed: a rekey of the tunnel's Child SA failed, refused
	// by the gateway or by us (the reason names the notify). The tunnel
	// stays up on the old keys until they expire, and our own rekey is
	// tried again; when the connection ends for lack of a Child SA after
	// such a failure, this is its code rather than FailureGatewayClosed.
	FailureRekeyFailed FailureCode = "rekey_failed"
	// FailureKeyExchange: the gateway's part of a key exchange was
	// unusable: a key share of the wrong size or not a valid key, a method
	// not negotiated, or an additional key exchange (RFC 9370) out of
	// order. A gateway fault, retried with back-off.
	FailureKeyExchange FailureCode = "key_exchange_failed"
	// FailureGatewayClosed: the gateway deleted the IKE SA.
	FailureGatewayClosed FailureCode = "gateway_closed"
	// FailureKillSwitch: the kill switch could not put its block in place,
	// so the connection was not started.
	FailureKillSwitch FailureCode = "kill_switch"
	// FailureSystemConfig: this computer could not be configured for the
	// tunnel (addresses, routes, DNS), or refused the configuration.
	FailureSystemConfig FailureCode = "system_config"
	// FailureNetworksOverlap: the profile routes networks that an active
	// connection already routes; the reason in words names both.
	FailureNetworksOverlap FailureCode = "networks_overlap"
	// FailureUnavailable: this helper cannot connect at all (no IKEv2 in
	// this build).
	FailureUnavailable FailureCode = "unavailable"
	// FailureInternal: anything else; the reason in words says what.
	FailureInternal FailureCode = "internal"
)

// Reconnect is the progress of a reconnection (ConnectionStatus.Reconnect,
// present while the state is StateReconnecting).
type Reconnect struct {
	// Attempt is the number of the attempt under way or coming next,
	// counted from 1 since the tunnel was lost.
	Attempt int `json:"attempt"`
	// NextAt is when the next attempt starts; null while one is under way.
	NextAt *time.Time `json:"next_at"`
	// Reason is why the tunnel was lost or the last attempt failed, in
	// words; empty if the helper does not know (it restarted under a
	// connection it had to resume).
	Reason string `json:"reason"`
	// ErrorCode classifies Reason; empty when Reason is.
	ErrorCode FailureCode `json:"error_code"`
}
