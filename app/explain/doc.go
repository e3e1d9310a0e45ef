// Package explain turns what goes wrong between the app, the helper and
// the gateway into a sentence a person can act on: what happened, in plain
// words, and what to do next. The GUI shows these instead of error codes
// or log lines.
//
// The helper reports a failed connection's reason as text (last_error and
// connect_failed messages); Reason classifies that text by the IKEv2 notify
// names and phrases the helper and strongSwan use (RFC 7296 §3.10.1), so a
// new wording on the helper's side falls back to a generic sentence that
// still quotes it.
package explain
