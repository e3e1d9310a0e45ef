//go:build !unix

package profile

// openFlags are readFile's flags beyond O_RDONLY: none where the helper
// does not run.
const openFlags = 0
