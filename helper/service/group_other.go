//go:build !linux && !darwin && !freebsd

package service

// groupCommand has no command to offer on other systems.
func groupCommand(string) []string { return nil }

// groupDeleteCommand has no command to offer on other systems.
func groupDeleteCommand(string) []string { return nil }

// addMemberCommand has no command to offer on other systems.
func addMemberCommand(string, string) []string { return nil }
