package api

// EventKind says what a watch Event carries.
type EventKind string

// Kinds of watch events.
const (
	// EventSnapshot carries the status of every profile in Connections. It
	// is always the first event of a stream and replaces whatever the
	// client knew.
	EventSnapshot EventKind = "snapshot"
	// EventStatus carries the new status of one profile in Connection; a
	// profile the client has not seen was added.
	EventStatus EventKind = "status"
	// EventRemoved says the profile Name was removed.
	EventRemoved EventKind = "removed"
	// EventPrompt carries a new question to the user in Prompt (see
	// PromptProtocol).
	EventPrompt EventKind = "prompt"
	// EventPromptClosed says the question in Prompt was answered,
	// cancelled, expired or withdrawn (Prompt.Outcome); clients take it
	// down.
	EventPromptClosed EventKind = "prompt_closed"
)

// Event is one line of the PathWatch stream.
type Event struct {
	// Kind says which of the other fields are set.
	Kind EventKind `json:"kind"`
	// Connections is the full state (EventSnapshot).
	Connections []ConnectionStatus `json:"connections,omitempty"`
	// Connection is one profile's new status (EventStatus).
	Connection *ConnectionStatus `json:"connection,omitempty"`
	// Name is the removed profile (EventRemoved).
	Name string `json:"name,omitempty"`
	// Prompts are the prompts waiting for an answer (EventSnapshot).
	Prompts []Prompt `json:"prompts,omitempty"`
	// Prompt is the prompt opened or closed (EventPrompt,
	// EventPromptClosed).
	Prompt *Prompt `json:"prompt,omitempty"`
}
