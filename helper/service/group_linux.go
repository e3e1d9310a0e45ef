package service

// groupCommand returns the command that creates a system group.
func groupCommand(name string) []string { return []string{"groupadd", "--system", name} }
