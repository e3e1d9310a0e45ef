package explain

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
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

// Failure explains why a connection attempt failed from the helper's
// text alone, for a helper that sends no failure code, and the profile
// (nil if unknown), which names the user, the gateway and the
// authentication method in the sentence.
func Failure(text string, p *api.Profile) Sentence {
	return sentence(Classify(text), text, p)
}

// ForCode explains a failure by its code, and by its text when the code
// says nothing the app knows (see Decide); p is as for Failure.
func ForCode(code api.FailureCode, text string, p *api.Profile) Sentence {
	return sentence(Decide(code, text), text, p)
}

// Status explains why a connection failed or is reconnecting: the reason
// of a reconnection's progress, else the status's own. p is as for
// Failure.
func Status(c api.ConnectionStatus, p *api.Profile) Sentence {
	if r := c.Reconnect; r != nil && (r.Reason != "" || r.ErrorCode != "") {
		return ForCode(r.ErrorCode, r.Reason, p)
	}
	return ForCode(c.ErrorCode, c.LastError, p)
}

// sentence words reason r; text is the helper's, quoted when r is
// ReasonUnknown.
func sentence(r Reason, text string, p *api.Profile) Sentence {
	gw := "the gateway"
	if p != nil && p.Gateway != "" {
		gw = p.Gateway
	}
	host, port := gw, uint16(500)
	if p != nil {
		if h, pt, err := profile.SplitGateway(p.Gateway); err == nil {
			host, port = h, pt
		}
	}
	switch r {
	case ReasonAuthFailed:
		return authFailed(p)
	case ReasonAuthIdentities:
		return identitiesRejected(text, p)
	case ReasonEAPRejected:
		return eapRejected(p)
	case ReasonGatewayAuth:
		return gatewayAuth(p, gw)
	case ReasonEAPMethod:
		return Sentence{"The gateway asks for a way of signing in that this profile does not use",
			"Ask your administrator which authentication to choose, then change it under Edit.", ActionEdit}
	case ReasonCertUntrusted:
		if p != nil && p.CA == "" && p.CAFile == "" {
			return Sentence{"The gateway's certificate is not signed by a CA this profile trusts",
				"Ask your administrator for the CA certificate and add it under Edit.", ActionEdit}
		}
		return Sentence{"The gateway's certificate is not signed by the CA in this profile",
			"Ask your administrator for the right CA certificate and replace it under Edit.", ActionEdit}
	case ReasonCertExpired:
		return Sentence{"The gateway's certificate has expired",
			"Check this computer's date and time; if they are right, ask your administrator to renew the gateway's certificate.", ActionNone}
	case ReasonCertNotYetValid:
		return Sentence{"The gateway's certificate is not valid yet",
			"Check this computer's date and time; if they are right, ask your administrator.", ActionNone}
	case ReasonCertKeyUsage:
		return Sentence{"The gateway's certificate is not meant for VPN connections",
			"Ask your administrator for a gateway certificate that may sign for IKE.", ActionNone}
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
		return Sentence{fmt.Sprintf("Nothing answers IKE at %s", net.JoinHostPort(host, strconv.Itoa(int(port)))),
			"Check your Internet connection and the gateway address; a firewall may block UDP ports 500 and 4500.", ActionNone}
	case ReasonTimeout:
		return Sentence{fmt.Sprintf("%s did not finish setting up the connection in time", host),
			"Check your Internet connection, then try again; a firewall may block UDP ports 500 and 4500.", ActionNone}
	case ReasonNameNotFound:
		return Sentence{fmt.Sprintf("The name %s could not be found", host),
			"Check the gateway address under Edit and your Internet connection.", ActionEdit}
	case ReasonTSUnacceptable:
		return Sentence{"The gateway refused the networks this profile asks to reach",
			"Check Networks through the tunnel under Edit, or ask your administrator which networks you may reach.", ActionEdit}
	case ReasonNoVirtualIP:
		return Sentence{"The gateway gave this computer no address in the VPN",
			"Ask your administrator to check the gateway's address pool.", ActionNone}
	case ReasonConfigInvalid:
		return Sentence{"The gateway assigned an address that cannot be used in the VPN",
			"Ask your administrator to check the gateway's address pool and DNS servers; Espresso accepts only unicast addresses.", ActionNone}
	case ReasonRekeyFailed:
		return rekeyFailed(text)
	case ReasonKeyExchange:
		return Sentence{"The gateway sent an unusable key exchange",
			"Espresso tries again; if it keeps happening, ask your administrator to check the gateway's key exchange methods.", ActionNone}
	case ReasonGatewayClosed:
		return Sentence{"The gateway ended the connection",
			"Connect again; if it keeps happening, ask your administrator.", ActionNone}
	case ReasonKillSwitch:
		return Sentence{"The kill switch could not block traffic outside the tunnel, so Espresso did not connect",
			"Open the log for details.", ActionShowLog}
	case ReasonSystemConfig:
		return Sentence{"Espresso could not set up this computer for the tunnel",
			"Open the log for details; the profile's networks or DNS servers may conflict with this computer's.", ActionShowLog}
	case ReasonUnavailable:
		return Sentence{"The Espresso helper on this computer cannot make VPN connections",
			"Install a complete release of Espresso.", ActionNone}
	case ReasonLocalCertExpired, ReasonLocalCertNotYetValid, ReasonLocalCertKeyUsage,
		ReasonP12Password, ReasonKeyMismatch, ReasonCredentials:
		return ownCredentials(r)
	case ReasonPasswordTimeout:
		return Sentence{fmt.Sprintf("Nobody entered the password%s in time, so Espresso did not connect", forUser(p)),
			"Connect again and enter the password when Espresso asks for it.", ActionNone}
	case ReasonPasswordCancelled:
		return Sentence{"The password request was cancelled, so Espresso did not connect",
			"Connect again when you want to sign in.", ActionNone}
	}
	t := strings.TrimSuffix(strings.TrimSpace(text), ".")
	if t == "" {
		return Sentence{fmt.Sprintf("The connection to %s failed", gw), "Open the log for details, then try again.", ActionShowLog}
	}
	return Sentence{fmt.Sprintf("The connection to %s failed: %s", gw, t), "Open the log for details, then try again.", ActionShowLog}
}

// rekeyFailed explains a failed renewal of the tunnel's keys, naming the
// notify (RFC 7296 §3.10.1) the helper's text holds, if any.
func rekeyFailed(text string) Sentence {
	problem := "Renewing the tunnel's keys failed"
	if n := notifyName(text); n != "" {
		problem += " (" + n + ")"
	}
	return Sentence{problem,
		"The tunnel works until the current keys expire, and Espresso keeps trying. If the gateway wants other algorithms, clear the ESP proposals under Edit to offer the defaults, or ask your administrator which ones it accepts.",
		ActionEdit}
}

// notifyName returns the first IKE notify name in text, such as
// NO_PROPOSAL_CHOSEN, or "".
func notifyName(text string) string {
	for _, w := range strings.FieldsFunc(text, func(r rune) bool { return !(r == '_' || r >= 'A' && r <= 'Z') }) {
		if strings.Contains(w, "_") && strings.Trim(w, "_") == w {
			return w
		}
	}
	return ""
}

// ownCredentials explains a problem with this computer's own
// certificate or key, which the profile holds or names.
func ownCredentials(r Reason) Sentence {
	switch r {
	case ReasonLocalCertExpired:
		return Sentence{"Your certificate has expired",
			"Check this computer's date and time; if they are right, ask your administrator for a new certificate and add it under Edit.", ActionEdit}
	case ReasonLocalCertNotYetValid:
		return Sentence{"Your certificate is not valid yet",
			"Check this computer's date and time; if they are right, ask your administrator.", ActionNone}
	case ReasonLocalCertKeyUsage:
		return Sentence{"Your certificate is not meant for VPN connections",
			"Ask your administrator for a certificate that may sign for IKE, and add it under Edit.", ActionEdit}
	case ReasonP12Password:
		return Sentence{"The password of your certificate file (PKCS#12) is wrong",
			"Enter the file's password again under Edit.", ActionEdit}
	case ReasonKeyMismatch:
		return Sentence{"The private key does not belong to your certificate",
			"Choose the key that came with the certificate under Edit.", ActionEdit}
	}
	return Sentence{"Your certificate, its key or the CA certificate could not be read",
		"Check the certificate, key and CA under Edit.", ActionEdit}
}

// forUser names the user of p's password, as " for alice", or "".
func forUser(p *api.Profile) string {
	if p == nil {
		return ""
	}
	user := p.Username
	if user == "" {
		user = p.LocalID
	}
	if user == "" {
		return ""
	}
	return " for " + user
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

// eapRejected explains refused EAP credentials: the password, or for
// EAP-TLS the certificate.
func eapRejected(p *api.Profile) Sentence {
	if p != nil && p.Auth == api.AuthEAPTLS {
		return authFailed(p)
	}
	user := ""
	if p != nil {
		user = p.Username
		if user == "" {
			user = p.LocalID
		}
	}
	if user == "" {
		return Sentence{"The gateway rejected the password", "Check the user name and password under Edit, then connect again.", ActionEdit}
	}
	return Sentence{fmt.Sprintf("The gateway rejected the password for %s", user),
		"Check the user name and password under Edit, then connect again.", ActionEdit}
}

// gatewayAuth explains a gateway whose own authentication failed: with a
// pre-shared key the keys differ; otherwise the gateway could not prove
// who it is, which may mean it is not the gateway meant.
func gatewayAuth(p *api.Profile, gw string) Sentence {
	if p != nil && p.Auth == api.AuthPSK {
		return Sentence{"The gateway does not use the same pre-shared key as this profile",
			"Ask your administrator for the key and enter it again under Edit.", ActionEdit}
	}
	if p != nil && p.RemoteID != "" {
		gw = p.RemoteID
	}
	return Sentence{fmt.Sprintf("The gateway could not prove that it is %s", gw),
		"Do not connect again until your administrator has checked the gateway; it may not be the one you meant to reach.", ActionNone}
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
	case api.CodeNotOwner:
		return Sentence{"This profile belongs to another user",
			"Only its owner and an administrator may use it; ask an administrator to share it, or create your own.", ActionNone}
	case api.CodeNotFound:
		return Sentence{"This profile no longer exists", "It was removed; the list shows the profiles that remain.", ActionNone}
	case api.CodeConnectFailed:
		return ForCode(ae.ErrorCode, ae.Message, p)
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
