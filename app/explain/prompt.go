package explain

import (
	"fmt"

	"github.com/espressovpn/espresso/helper/api"
)

// Question words a password prompt of the helper (api.Prompt) for the
// dialog or the terminal that asks it: Title names the profile, Text
// says why Espresso asks and for whom.
type Question struct {
	Title string
	Text  string
}

// Ask words prompt p.
func Ask(p api.Prompt) Question {
	who := "your password"
	if p.Username != "" {
		who = "the password of " + p.Username
	}
	var why string
	switch p.Reason {
	case api.PromptReconnect:
		why = fmt.Sprintf("Espresso is reconnecting %s and needs %s.", p.Profile, who)
	case api.PromptOnDemand:
		why = fmt.Sprintf("Traffic for %s starts the VPN, which needs %s.", p.Profile, who)
	default:
		why = fmt.Sprintf("Espresso is connecting %s and needs %s.", p.Profile, who)
	}
	if p.Retry {
		why = "The gateway refused the password given last. " + why
	}
	return Question{Title: "Sign in to " + p.Profile, Text: why}
}
