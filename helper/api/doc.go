// Package api is the versioned contract between espresso-helper and its
// clients (the desktop app and espressoctl): the JSON types exchanged, the
// URL paths, the error format and a Client that speaks HTTP/1.1 over the
// helper's Unix socket.
//
// Every path starts with /v1. A change that would break an existing client
// gets a new version prefix instead; fields may be added to v1, never renamed
// or removed.
//
// Secrets travel one way only: a client sends a PSK, password or private key
// with a profile, and the helper never returns it. A profile read back carries
// has_* booleans telling whether each secret is stored.
//
// A connection that needs a password the helper does not have asks for
// it on the watch stream, and any client answers (see PromptProtocol).
package api

// Version is the API version this package speaks; it is the first element
// of every path.
const Version = "v1"
