package eap

// State is where a Peer's conversation stands.
type State int

// States of a Peer.
const (
	// Running: more Requests are expected.
	Running State = iota
	// Succeeded: the authenticator sent Success after the method completed.
	Succeeded
	// Failed: the authenticator sent Failure, or a packet could not be
	// answered; Peer.Err says why.
	Failed
)

// String names the state.
func (s State) String() string {
	switch s {
	case Running:
		return "running"
	case Succeeded:
		return "succeeded"
	}
	return "failed"
}
