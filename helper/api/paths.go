package api

import "net/url"

// URL path patterns of the local API, in net/http.ServeMux syntax. The
// helper registers them with their methods; the Client builds concrete paths
// with the functions below so profile names are escaped.
const (
	// PathProfiles lists profiles (GET) and creates or imports one (POST).
	// POST takes a Profile, or with ?format=sswan a strongSwan .sswan file;
	// ?replace=true overwrites a profile of the same name.
	PathProfiles = "/v1/profiles"
	// PathProfile reads (GET), replaces (PUT) or removes (DELETE) one profile.
	PathProfile = "/v1/profiles/{name}"
	// PathConnect starts a connection (POST, optional ConnectRequest body).
	// With ?wait=true the call returns only once the connection is up, or
	// fails with the reason.
	PathConnect = "/v1/connections/{name}/connect"
	// PathDisconnect ends a connection (POST) and returns once it is down.
	PathDisconnect = "/v1/connections/{name}/disconnect"
	// PathStatus returns the status of every profile (GET).
	PathStatus = "/v1/status"
	// PathStatusOne returns the status of one profile (GET).
	PathStatusOne = "/v1/status/{name}"
	// PathWatch streams Events as newline-delimited JSON (GET): a snapshot
	// of the full state first, then every change. The helper ends the
	// stream of a client that falls far behind; watching again brings a
	// fresh snapshot.
	PathWatch = "/v1/watch"
	// PathLogs streams LogEntries as newline-delimited JSON (GET): the
	// buffered entries, then with ?follow=true every new one until the
	// client goes away.
	PathLogs = "/v1/logs"
	// PathLogLevel reads (GET) or sets (PUT, root only) the helper's log
	// level, a LogLevel. The level is not kept across helper restarts.
	PathLogLevel = "/v1/loglevel"
	// PathDiagnostics returns the helper's part of a diagnostic bundle,
	// Diagnostics (GET): only the profiles the caller may view, without
	// secrets.
	PathDiagnostics = "/v1/diagnostics"
	// PathVersion returns VersionInfo (GET).
	PathVersion = "/v1/version"
	// PathPrompt answers a prompt of the watch stream (POST, a
	// PromptAnswer body; 204 when taken, CodeNotFound when the prompt is
	// no longer waiting).
	PathPrompt = "/v1/prompts/{id}"
	// PathAlwaysOn reads (GET) or sets (PUT) the default always-on
	// profile, an AlwaysOn body.
	PathAlwaysOn = "/v1/always-on"
)

// Query parameters understood by the helper.
const (
	// QueryFormat selects the body format of POST PathProfiles.
	QueryFormat = "format"
	// QueryReplace lets POST PathProfiles overwrite an existing profile.
	QueryReplace = "replace"
	// QueryWait makes POST PathConnect wait for the outcome.
	QueryWait = "wait"
	// QueryFollow keeps PathLogs open for new entries.
	QueryFollow = "follow"
)

// Import formats accepted by POST PathProfiles?format=....
const (
	// FormatEspresso is the project's own JSON profile (the default).
	FormatEspresso = "espresso"
	// FormatSswan is strongSwan's .sswan JSON profile.
	FormatSswan = "sswan"
)

// ContentTypeJSON is the media type of request and response bodies.
const ContentTypeJSON = "application/json"

// ContentTypeNDJSON is the media type of the watch and log streams.
const ContentTypeNDJSON = "application/x-ndjson"

// ProfilePath returns the concrete path of one profile.
func ProfilePath(name string) string { return "/v1/profiles/" + url.PathEscape(name) }

// ConnectPath returns the concrete connect path of one profile.
func ConnectPath(name string) string {
	return "/v1/connections/" + url.PathEscape(name) + "/connect"
}

// DisconnectPath returns the concrete disconnect path of one profile.
func DisconnectPath(name string) string {
	return "/v1/connections/" + url.PathEscape(name) + "/disconnect"
}

// PromptPath returns the concrete path of one prompt.
func PromptPath(id string) string { return "/v1/prompts/" + url.PathEscape(id) }

// StatusPath returns the concrete status path of one profile.
func StatusPath(name string) string { return "/v1/status/" + url.PathEscape(name) }
