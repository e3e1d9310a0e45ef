package service

// groupCommand returns the command that creates a group.
func groupCommand(name string) []string { return []string{"pw", "groupadd", name} }

// groupDeleteCommand returns the command that deletes a group.
func groupDeleteCommand(name string) []string { return []string{"pw", "groupdel", name} }

// addMemberCommand returns the command that adds user to group.
func addMemberCommand(group, user string) []string {
	return []string{"pw", "groupmod", group, "-m", user}
}
