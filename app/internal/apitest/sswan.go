package apitest

import (
	"encoding/json"
	"strings"

	"github.com/espressovpn/espresso/helper/api"
)

// sswanFile holds the few keys of a strongSwan .sswan profile the fake
// understands: enough to tell that the app sent the file as it was, not a
// full converter (the helper owns that).
type sswanFile struct {
	Name   string `json:"name"`
	Type   string `json:"type"`
	Remote struct {
		Addr string `json:"addr"`
		ID   string `json:"id"`
	} `json:"remote"`
	Local struct {
		ID    string `json:"id"`
		EAPID string `json:"eap_id"`
	} `json:"local"`
}

// convertSswan turns an EAP .sswan file into a profile named after its
// display name.
func convertSswan(data []byte) (api.Profile, error) {
	var f sswanFile
	if err := json.Unmarshal(data, &f); err != nil {
		return api.Profile{}, api.Errorf(api.CodeBadRequest, "the file is not a .sswan profile: %v", err)
	}
	if f.Remote.Addr == "" {
		return api.Profile{}, api.FieldError(api.FieldGateway, "missing (remote.addr)")
	}
	if !strings.Contains(f.Type, "eap") {
		return api.Profile{}, api.Errorf(api.CodeUnavailable, "the fake imports EAP .sswan profiles only, not %q", f.Type)
	}
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			return r
		case r == ' ':
			return '-'
		}
		return -1
	}, f.Name)
	if name == "" {
		name = f.Remote.Addr
	}
	user := f.Local.EAPID
	if user == "" {
		user = f.Local.ID
	}
	return api.Profile{
		Name:     name,
		Gateway:  f.Remote.Addr,
		RemoteID: f.Remote.ID,
		LocalID:  f.Local.ID,
		Auth:     api.AuthEAPMSCHAPv2,
		Username: user,
	}, nil
}
