package api

// DefaultSocket is where the helper listens unless told otherwise.
const DefaultSocket = "/run/espresso/helper.sock"
