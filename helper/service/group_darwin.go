package service

// groupCommand returns the command that creates a group in the local
// directory service.
func groupCommand(name string) []string {
	return []string{"dseditgroup", "-o", "create", "-r", "Espresso VPN users", name}
}

// groupDeleteCommand returns the command that deletes a group.
func groupDeleteCommand(name string) []string { return []string{"dseditgroup", "-o", "delete", name} }

// addMemberCommand returns the command that adds user to group.
func addMemberCommand(group, user string) []string {
	return []string{"dseditgroup", "-o", "edit", "-a", user, "-t", "user", group}
}
