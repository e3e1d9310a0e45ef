package explain

import (
	"testing"

	"github.com/espressovpn/espresso/helper/api"
)

func TestAsk(t *testing.T) {
	for _, tc := range []struct {
		p    api.Prompt
		want Question
	}{
		{api.Prompt{Profile: "office", Username: "alice", Reason: api.PromptConnect},
			Question{"Sign in to office", "Espresso is connecting office and needs the password of alice."}},
		{api.Prompt{Profile: "office", Username: "alice", Reason: api.PromptReconnect, Retry: true},
			Question{"Sign in to office", "The gateway refused the password given last. Espresso is reconnecting office and needs the password of alice."}},
		{api.Prompt{Profile: "lab", Reason: api.PromptOnDemand},
			Question{"Sign in to lab", "Traffic for lab starts the VPN, which needs your password."}},
	} {
		if got := Ask(tc.p); got != tc.want {
			t.Errorf("Ask(%+v) = %+v, want %+v", tc.p, got, tc.want)
		}
	}
}
