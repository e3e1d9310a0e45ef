package service

// groupCommand returns the command that creates a group.
func groupCommand(name string) []string { return []string{"pw", "groupadd", name} }
