package service

// groupCommand returns the command that creates a system group.
func groupCommand(name string) []string { return []string{"groupadd", "--system", name} }

// groupDeleteCommand returns the command that deletes a group.
func groupDeleteCommand(name string) []string { return []string{"groupdel", name} }

// addMemberCommand returns the command that adds user to group.
func addMemberCommand(group, user string) []string {
	return []string{"usermod", "-a", "-G", group, user}
}
