package archtest

// The layering (README, "Architecture"): the app reaches the helper only
// through its API; the helper drives ipsec and platform, its connection
// manager only through helper/session; ipsec is pure Go beside platform. Patterns are import paths relative to the module;
// "x/..." is x and everything below it.
//
// To add a rule, append to rules: deny lists what a package must not
// import; only, when set, lists everything of the module it may import.
var rules = []rule{
	{
		from: "app/...",
		deny: []string{"ipsec/...", "platform/..."},
		why:  "the app renders state and sends intents through the helper's API; it holds no protocol or OS code",
	},
	{
		from: "ipsec/...",
		deny: []string{"helper/...", "app/...", "platform/..."},
		why:  "ipsec is pure Go with no OS code; the helper wires it to the platform",
	},
	{
		from: "helper/...",
		deny: []string{"app/..."},
		why:  "the helper serves the app through its API and never calls it",
	},
	{
		from: "helper/conn",
		only: []string{"helper/session", "helper/api", "helper/profile"},
		why:  "the connection manager dials and watches through helper/session, whose errors carry their failure codes; it knows neither ipsec nor platform",
	},
	{
		from:   "ipsec/ike/...",
		except: []string{"ipsec/ike/responder"},
		deny:   []string{"ipsec/ike/responder"},
		why:    "the initiator and the shared core stand without the responder role, which builds on them",
	},
	{
		from: "platform/...",
		deny: []string{"helper/...", "app/..."},
		why:  "platform implements interfaces that ipsec and helper consume",
	},
}

// exceptions are imports that break a rule today. Each is to be removed;
// none may be added.
var exceptions = []edge{
	// To be removed: the profile editor checks proposals with ipsec/suite
	// rather than through the helper's profile rules.
	{from: "app/form", to: "ipsec/suite"},
}

// testSupport are the packages that exist for tests besides the test
// doubles, which are named <package>test: the end-to-end lab, the IKE
// responder (the lab's and the in-process tests' gateway), the test
// networks and the interop tests. Production code imports none of them.
var testSupport = []string{
	"helper/e2e/...",
	"interop",
	"ipsec/ike/responder",
	"platform/linux/testnet",
}
