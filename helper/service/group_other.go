//go:build !linux && !darwin && !freebsd

package service

// groupCommand has no command to offer on other systems.
func groupCommand(string) []string { return nil }
