// Package explain turns what goes wrong between the app, the helper and
// the gateway into a sentence a person can act on: what happened, in plain
// words, and what to do next. The GUI shows these instead of error codes
// or log lines.
//
// The helper reports a failed connection's reason as a code (error_code in
// the status, the reconnection's progress and connect_failed errors) and
// in words (last_error, the error's message). The code decides the
// sentence. A helper older than the codes sends none, and FailureInternal
// or a code newer than the app says nothing the app understands: then
// Classify reads the text for the IKEv2 notify names and phrases the
// helper and strongSwan use (RFC 7296 §3.10.1), and what matches nothing
// gets a generic sentence that still quotes it.
package explain
