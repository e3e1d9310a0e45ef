package explain

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/helper/profile"
)

// Action is a next step the GUI can offer as a button beside a Sentence.
type Action int

// Actions the GUI offers.
const (
	// ActionNone: the sentence is enough.
	ActionNone Action = iota
	// ActionEdit: open the profile editor.
	ActionEdit
	// ActionShowLog: open the log view.
	ActionShowLog
	// ActionStartHelper: start (or install and start) the helper.
	ActionStartHelper
)

// Sentence explains a problem: Problem says what happened and Next what to
// do about it, each in plain words.
type Sentence struct {
	// Problem is what happened, without a final full stop.
	Problem string
	// Next is the next step, a full sentence.
	Next string
	// Action is the step the GUI can take for the user, if any.
	Action Action
}

// String returns the problem and the next step as one text.
func (s Sentence) String() string {
	if s.Next == "" {
		return s.Problem + "."
	}
	return s.Problem + ". " + s.Next
}

// Failure explains why a connection attempt failed, from the helper's
// text and the profile (nil if unknown), which names the user, the
// gateway and the authentication method in the sentence.
func Failure(text string, p *api.Profile) Sentence {
	gw := "the gateway"
	if p != nil && p.Gateway != "" {
		gw = p.Gateway
	}
	switch Classify(text) {
	case ReasonAuthFailed:
		return authFailed(p)
	case ReasonCertUntrusted:
		if p != nil && p.CA == "" {
			return Sentence{"The gateway's certificate is not signed by a CA this profile trusts",
				"Ask your administrator for the CA certificate and add it under Edit.", ActionEdit}
		}
		return Sentence{"The gateway's certificate is not signed by the CA in this profile",
			"Ask your administrator for the right CA certificate and replace it under Edit.", ActionEdit}
	case ReasonIdentityMismatch:
		want := gw
		if p != nil && p.RemoteID != "" {
			want = p.RemoteID
		}
		return Sentence{fmt.Sprintf("The gateway did not prove the identity %s", want),
			"Check Gateway identity under Edit; it must match the gateway's certificate.", ActionEdit}
	case ReasonNoProposal:
		return Sentence{"The gateway accepts none of the algorithms this profile proposes",
			"Clear the proposals under Edit to offer the defaults, or ask your administrator which ones the gateway accepts.", ActionEdit}
	case ReasonUnreachable:
		host, port := gw, uint16(500)
		if p != nil {
			if h, pt, err := profile.SplitGateway(p.Gateway); err == nil {
				host, port = h, pt
			}
		}
		return Sentence{fmt.Sprintf("No answer from %s on UDP %d", host, port),
			"Check your Internet connection and the gateway address; a firewall may block UDP ports 500 and 4500.", ActionNone}
	case ReasonNameNotFound:
		host := gw
		if p != nil {
			if h, _, err := profile.SplitGateway(p.Gateway); err == nil {
				host = h
			}
		}
		return Sentence{fmt.Sprintf("The name %s could not be found", host),
			"Check the gateway address under Edit and your Internet connection.", ActionEdit}
	case ReasonTSUnacceptable:
		return Sentence{"The gateway refused the networks this profile asks to reach",
			"Check Networks through the tunnel under Edit, or ask your administrator which networks you may reach.", ActionEdit}
	case ReasonNoVirtualIP:
		return Sentence{"The gateway gave this computer no address in the VPN",
			"Ask your administrator to check the gateway's address pool.", ActionNone}
	}
	t := strings.TrimSuffix(strings.TrimSpace(text), ".")
	if t == "" {
		return Sentence{fmt.Sprintf("The connection to %s failed", gw), "Open the log for details, then try again.", ActionShowLog}
	}
	return Sentence{fmt.Sprintf("The connection to %s failed: %s", gw, t), "Open the log for details, then try again.", ActionShowLog}
}

func authFailed(p *api.Profile) Sentence {
	if p == nil {
		return Sentence{"The gateway rejected the credentials", "Check them under Edit, then connect again.", ActionEdit}
	}
	switch p.Auth {
	case api.AuthEAPMSCHAPv2:
		user := p.Username
		if user == "" {
			user = p.LocalID
		}
		return Sentence{fmt.Sprintf("The gateway rejected the password for %s", user),
			"Check the user name and password under Edit, then connect again.", ActionEdit}
	case api.AuthPSK:
		return Sentence{"The gateway rejected the pre-shared key",
			"Ask your administrator for the key and enter it again under Edit.", ActionEdit}
	}
	who := "this computer"
	if p.LocalID != "" {
		who = p.LocalID
	}
	return Sentence{fmt.Sprintf("The gateway did not accept the certificate of %s", who),
		"Ask your administrator whether your certificate is valid and signed by a CA the gateway trusts.", ActionEdit}
}

// Error explains an error returned by the helper's Client. p is the
// profile the request was about, or nil.
func Error(err error, p *api.Profile) Sentence {
	var ae *api.Error
	switch {
	case err == nil:
		return Sentence{}
	case errors.Is(err, api.ErrHelperNotRunning):
		return Sentence{"The Espresso helper is not running",
			"Start it; you will be asked for an administrator password.", ActionStartHelper}
	case errors.Is(err, api.ErrAccessDenied):
		return Sentence{"This account may not use the Espresso helper",
			fmt.Sprintf("Ask an administrator to add you to the %q group, then log out and back in.", api.GroupName), ActionNone}
	case errors.Is(err, context.DeadlineExceeded):
		return Sentence{"The Espresso helper did not answer in time",
			"Try again; if it keeps happening, restart the helper.", ActionStartHelper}
	case !errors.As(err, &ae):
		return Sentence{fmt.Sprintf("Espresso could not talk to its helper: %v", err),
			"Try again; if it keeps happening, restart the helper.", ActionStartHelper}
	}
	switch ae.Code {
	case api.CodeInvalidProfile:
		return Sentence{fmt.Sprintf("%s is not valid: %s", FieldLabel(ae.Field), fieldMessage(ae)),
			"Correct it, then save again.", ActionEdit}
	case api.CodeExists:
		return Sentence{"A profile with this name already exists",
			"Choose another name, or remove the other profile first.", ActionNone}
	case api.CodeBusy:
		return Sentence{"This profile's connection is active", "Disconnect it first, then try again.", ActionNone}
	case api.CodeNotFound:
		return Sentence{"This profile no longer exists", "It was removed; the list shows the profiles that remain.", ActionNone}
	case api.CodeConnectFailed:
		return Failure(ae.Message, p)
	case api.CodeUnavailable:
		return Sentence{fmt.Sprintf("The helper cannot do this on this system: %s", ae.Message),
			"Check the release notes for what this system supports.", ActionNone}
	case api.CodeBadRequest:
		return Sentence{fmt.Sprintf("The helper refused the request: %s", ae.Message),
			"Check the profile under Edit, then try again.", ActionEdit}
	}
	return Sentence{fmt.Sprintf("The helper reported an error: %s", ae.Message), "Open the log for details.", ActionShowLog}
}

// fieldMessage returns an invalid-profile message without the field name
// the helper puts in front of it.
func fieldMessage(e *api.Error) string {
	return strings.TrimPrefix(e.Message, e.Field+": ")
}
