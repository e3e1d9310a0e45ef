// Package apitest is an in-process stand-in for espresso-helper's local
// API, for the desktop app's tests. It serves the real helper/api contract
// over a Unix socket, so the app's tests drive the real api.Client, and it
// lets a test script what the helper does: the outcome of a connection
// attempt, traffic counters, log entries, and the helper going away and
// coming back.
//
// Profiles are validated with the helper's own rules (helper/profile), and
// secrets are kept but never returned, as the helper does.
package apitest
