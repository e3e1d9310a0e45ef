// Package profile parses connection profiles and keeps them in the
// helper's state directory.
//
// Parse reads the API's JSON profile (api.Profile) once into a typed
// Profile: addresses and prefixes as netip values, durations, the
// authentication method as an enum, proposals as suite.Proposal, and each
// credential as a Source that holds inline data or names a file. Every
// rule a profile must follow is checked there (parse.go, rules.go), and
// every error names the field that is wrong; the app's editor checks
// through the same rules (Check). The helper's connection manager, kill
// switch and session take the typed value.
//
// The store holds one JSON file per profile in <state-dir>/profiles, a
// directory only root may enter (0700); each file, secrets included, is
// readable by root only (0600). Files are replaced atomically (write to a
// temporary file, sync, rename, sync the directory), so a crash leaves
// either the old or the new profile, never a torn one.
package profile
