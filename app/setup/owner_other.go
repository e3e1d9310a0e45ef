//go:build !unix

package setup

import "errors"

// Lstat has no owner to report on systems without Unix permissions.
func Lstat(path string) (Owner, error) {
	return Owner{}, errors.New("file owners are not known on this system")
}
