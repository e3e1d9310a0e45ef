package api

// Diagnostics is the helper's part of a diagnostic bundle, the answer of
// PathDiagnostics. It holds no secret: profiles are as GET PathProfile
// serves them, and the log never has any.
type Diagnostics struct {
	// Version is the helper's, as PathVersion serves it.
	Version VersionInfo `json:"version"`
	// LogLevel is the helper's current log level.
	LogLevel Level `json:"log_level"`
	// Profiles are the profiles the caller may view, without secrets.
	Profiles []Profile `json:"profiles"`
	// Status is every connection's status.
	Status []ConnectionStatus `json:"status"`
	// Log is the recent log, oldest first.
	Log []LogEntry `json:"log"`
	// System is what the helper read of the system's network state:
	// addresses, routes, policy rules and DNS.
	System []SystemState `json:"system"`
}

// SystemState is one command's output or one file's content, as the
// helper read it for Diagnostics.
type SystemState struct {
	// Name names the part, such as "routes-ipv4"; it is a file name in
	// the bundle.
	Name string `json:"name"`
	// Command is the command line run, or the file read, as one string.
	Command string `json:"command"`
	// Output is what the command wrote (standard output, then standard
	// error), cut at a bound.
	Output string `json:"output"`
	// Error says why the command failed or the file could not be read;
	// empty on success.
	Error string `json:"error,omitempty"`
}
