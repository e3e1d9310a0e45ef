package api

import "time"

// The prompt protocol, version 1 (PromptProtocol).
//
// A profile need not store its EAP password. When a connection needs one
// the helper does not have, on the user's Connect, on a reconnection, or
// when traffic starts an on-demand profile, the helper asks its clients
// instead of failing:
//
//  1. It publishes EventPrompt on the watch stream with a Prompt: a random
//     ID, the profile, the user name, why it asks (PromptConnect,
//     PromptReconnect, PromptOnDemand) and until when it waits. A stream
//     opened while prompts are pending lists them in its snapshot's
//     Prompts, so a client that starts late still sees them.
//  2. Any authorised client answers with POST PromptPath(id) and a
//     PromptAnswer: the password, and Remember to store it in the profile
//     (as a write-only secret, like one sent with the profile), or Cancel.
//     The first answer wins; a later one, or one for a prompt that
//     expired, gets CodeNotFound.
//  3. The helper publishes EventPromptClosed with the Prompt and its
//     Outcome, so every other client takes its question down.
//
// A prompt nobody answers before Prompt.Expires fails the connection with
// FailurePasswordTimeout; a cancelled one with FailurePasswordCancelled.
// Without Remember the password lives only as long as the connection
// (through its reconnections). A password the gateway refuses
// (FailureEAPRejected) is not used again: the next attempt asks anew, with
// Prompt.Retry set, rather than failing over and over with it.
//
// Passwords only travel from a client to the helper, as every secret does.

// PromptProtocol is the version of the prompt protocol this package
// describes. VersionInfo.PromptProtocol reports the helper's; 0 means a
// helper that never prompts, to which a client sends the password with
// ConnectRequest.
const PromptProtocol = 1

// PromptReason says why the helper asks.
type PromptReason string

// Reasons for a prompt.
const (
	// PromptConnect: the user asked to connect.
	PromptConnect PromptReason = "connect"
	// PromptReconnect: the helper is re-establishing a connection the
	// user wants up (the tunnel was lost, or the helper restarted under
	// it).
	PromptReconnect PromptReason = "reconnect"
	// PromptOnDemand: traffic for an on-demand profile's networks starts
	// the negotiation.
	PromptOnDemand PromptReason = "on demand"
)

// PromptOutcome says how a prompt ended (EventPromptClosed).
type PromptOutcome string

// Outcomes of a prompt.
const (
	// PromptAnswered: a client gave the password.
	PromptAnswered PromptOutcome = "answered"
	// PromptCancelled: a client cancelled.
	PromptCancelled PromptOutcome = "cancelled"
	// PromptExpired: nobody answered in time.
	PromptExpired PromptOutcome = "expired"
	// PromptWithdrawn: the helper no longer needs the answer (the user
	// disconnected, or the helper is stopping).
	PromptWithdrawn PromptOutcome = "withdrawn"
)

// Prompt is a question of the helper to its user: the EAP password of a
// profile.
type Prompt struct {
	// ID names the prompt in PromptPath; it is random, so a client cannot
	// answer a prompt it did not see.
	ID string `json:"id"`
	// Profile is the profile's name.
	Profile string `json:"profile"`
	// Username is the user name the password is for.
	Username string `json:"username"`
	// Reason says why the helper asks.
	Reason PromptReason `json:"reason"`
	// Retry reports that the gateway refused the password used last.
	Retry bool `json:"retry,omitempty"`
	// Expires is when the helper stops waiting.
	Expires time.Time `json:"expires"`
	// Outcome is how the prompt ended; set in EventPromptClosed only.
	Outcome PromptOutcome `json:"outcome,omitempty"`
}

// PromptAnswer is the body of POST PathPrompt.
type PromptAnswer struct {
	// Password is the EAP password; required unless Cancel is set.
	Password string `json:"password,omitempty"`
	// Remember stores the password in the profile.
	Remember bool `json:"remember,omitempty"`
	// Cancel declines to give the password: the connection attempt fails
	// with FailurePasswordCancelled.
	Cancel bool `json:"cancel,omitempty"`
}
