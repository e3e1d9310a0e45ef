package api

import "time"

// Level is the severity of a LogEntry.
type Level string

// Log levels, least to most severe.
const (
	// LevelDebug is detail for diagnosing problems.
	LevelDebug Level = "debug"
	// LevelInfo is normal operation worth recording.
	LevelInfo Level = "info"
	// LevelWarn is something unexpected the helper recovered from.
	LevelWarn Level = "warn"
	// LevelError is a failure.
	LevelError Level = "error"
)

// LogEntry is one line of the helper's log as served by PathLogs. Messages
// never contain secrets.
type LogEntry struct {
	// Seq numbers entries in the order they were logged, from 1.
	Seq uint64 `json:"seq"`
	// Time is when the entry was logged.
	Time time.Time `json:"time"`
	// Level is the severity.
	Level Level `json:"level"`
	// Connection is the profile the entry is about; empty for the helper
	// itself.
	Connection string `json:"connection,omitempty"`
	// Message is the text.
	Message string `json:"message"`
}

// VersionInfo is the answer of PathVersion.
type VersionInfo struct {
	// API is the API version, Version.
	API string `json:"api"`
	// Helper is the helper's release version.
	Helper string `json:"helper"`
	// OS and Arch are the platform the helper runs on.
	OS   string `json:"os"`
	Arch string `json:"arch"`
	// PromptProtocol is the version of the prompt protocol the helper
	// speaks (see the constant PromptProtocol); 0 for a helper that never
	// prompts.
	PromptProtocol int `json:"prompt_protocol,omitempty"`
}

// Rank orders the levels from 0 (debug) to 3 (error); an unknown level
// ranks -1.
func (l Level) Rank() int {
	switch l {
	case LevelDebug:
		return 0
	case LevelInfo:
		return 1
	case LevelWarn:
		return 2
	case LevelError:
		return 3
	}
	return -1
}

// ParseLevel returns the level named s: debug, info, warn or error.
func ParseLevel(s string) (Level, error) {
	l := Level(s)
	if l.Rank() < 0 {
		return "", Errorf(CodeBadRequest, "unknown log level %q (debug, info, warn or error)", s)
	}
	return l, nil
}

// LogLevel is the body of PathLogLevel: the least severe level the helper
// records. At LevelDebug it also records each IKE message sent and
// received (exchange, message ID, payload types, never their contents)
// and the data path's drops by reason.
type LogLevel struct {
	Level Level `json:"level"`
}
