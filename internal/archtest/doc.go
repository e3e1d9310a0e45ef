// Package archtest holds the architecture test: a table of which parts of
// the module may import which, checked against what `go list` reports
// for every supported GOOS. It has no code of its own; its test is the
// point.
package archtest
