//go:build unix

package profile

import "syscall"

// openFlags are readFile's flags beyond O_RDONLY.
const openFlags = syscall.O_NOFOLLOW | syscall.O_NONBLOCK | syscall.O_CLOEXEC
