package service

// groupCommand returns the command that creates a group in the local
// directory service.
func groupCommand(name string) []string {
	return []string{"dseditgroup", "-o", "create", "-r", "Espresso VPN users", name}
}
