// Package statefile keeps the records through which the platform
// implementations undo their changes to the system after a crash: one JSON
// file per tunnel or block in the helper's state directory, written before
// each change and read back by the next helper process at Recover.
//
// A record is replaced atomically, so a crash while it is written leaves
// the old or the new version, never half of one. The records of Linux and
// of macOS and FreeBSD differ in content only; where they live and how
// they are written, listed and deleted is the same, and is here.
package statefile
