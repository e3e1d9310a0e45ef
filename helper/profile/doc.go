// Package profile validates connection profiles and keeps them in the
// helper's state directory.
//
// The store holds one JSON file per profile in <state-dir>/profiles, a
// directory only root may enter (0700); each file, secrets included, is
// readable by root only (0600). Files are replaced atomically (write to a
// temporary file, sync, rename, sync the directory), so a crash leaves
// either the old or the new profile, never a torn one.
package profile
