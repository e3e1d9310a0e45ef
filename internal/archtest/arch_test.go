package archtest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/espressovpn/espresso"

// rule forbids packages matching from (less those matching except) to
// import what deny matches, or, with only set, anything of the module
// that only does not match.
type rule struct {
	from   string
	except []string
	deny   []string
	only   []string
	why    string
}

// edge is one import, from one package of the module to another.
type edge struct{ from, to string }

// pkg is what go list reports of one package, paths relative to the module.
type pkg struct {
	path, name string
	imports    []string
}

// goosList are the systems the module builds for: a file for one of them
// may import what the others do not.
var goosList = []string{"linux", "darwin", "freebsd"}

// TestImportBoundaries fails when a package imports across a boundary of
// the rules, for any supported GOOS. Only the imports of the packages
// themselves count, not those of their tests.
func TestImportBoundaries(t *testing.T) {
	var all []pkg
	for _, goos := range goosList {
		ps, err := listPackages(goos)
		if err != nil {
			t.Fatalf("GOOS=%s go list: %v", goos, err)
		}
		if len(ps) == 0 {
			t.Fatalf("GOOS=%s go list found no packages", goos)
		}
		all = append(all, ps...)
	}
	for _, v := range check(all, rules, exceptions, testSupport) {
		t.Error(v)
	}
	for _, e := range unusedExceptions(all, exceptions) {
		t.Errorf("exception %s → %s no longer occurs: remove it from exceptions", e.from, e.to)
	}
}

// TestCheckFindsViolations checks the checker on a made-up graph, so that
// an empty result above means a clean module and not a blind test.
func TestCheckFindsViolations(t *testing.T) {
	g := []pkg{
		{path: "app/ui", name: "ui", imports: []string{"helper/api", "ipsec/esp"}},
		{path: "ipsec/ike", name: "ike", imports: []string{"platform", "helper/api"}},
		{path: "helper/conn", name: "conn", imports: []string{"helper/session", "helper/profile", "ipsec/ike", "platform", "helper/logring"}},
		{path: "helper/session", name: "session", imports: []string{"ipsec/ike/iketest", "helper/e2e/lab"}},
		{path: "ipsec/ike/iketest", name: "iketest", imports: []string{"ipsec/ike"}},
		{path: "helper/e2e/lab", name: "lab", imports: []string{"platform/linux/testnet"}},
	}
	got := check(g, rules, []edge{{from: "ipsec/ike", to: "platform"}}, testSupport)
	want := []string{
		"app/ui imports ipsec/esp",
		"ipsec/ike imports helper/api",
		"helper/conn imports ipsec/ike",
		"helper/conn imports platform",
		"helper/conn imports helper/logring",
		"helper/session imports ipsec/ike/iketest",
		"helper/session imports helper/e2e/lab",
	}
	if len(got) != len(want) {
		t.Fatalf("got %d violations, want %d:\n%s", len(got), len(want), strings.Join(got, "\n"))
	}
	for i, w := range want {
		if !strings.HasPrefix(got[i], w+":") {
			t.Errorf("violation %d: %q, want %q", i, got[i], w)
		}
	}
}

// check returns one line per import that breaks a rule, in the order of
// the packages, without duplicates.
func check(ps []pkg, rs []rule, allowed []edge, support []string) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	for _, p := range ps {
		for _, imp := range p.imports {
			if slices.Contains(allowed, edge{p.path, imp}) {
				continue
			}
			for _, r := range rs {
				if !match(r.from, p.path) || matchAny(r.except, p.path) {
					continue
				}
				if matchAny(r.deny, imp) || (r.only != nil && !matchAny(r.only, imp)) {
					add(fmt.Sprintf("%s imports %s: %s", p.path, imp, r.why))
				}
			}
			if !isTestSupport(p, support) && isTestSupport(pkg{path: imp, name: lastElem(imp)}, support) {
				add(fmt.Sprintf("%s imports %s: production code imports no test double or test lab", p.path, imp))
			}
		}
	}
	return out
}

// unusedExceptions returns the exceptions no package needs any more.
func unusedExceptions(ps []pkg, allowed []edge) []edge {
	var out []edge
	for _, e := range allowed {
		used := slices.ContainsFunc(ps, func(p pkg) bool { return p.path == e.from && slices.Contains(p.imports, e.to) })
		if !used {
			out = append(out, e)
		}
	}
	return out
}

// isTestSupport reports whether p exists for tests: named <package>test,
// or listed in support.
func isTestSupport(p pkg, support []string) bool {
	return strings.HasSuffix(p.name, "test") && p.name != "archtest" || matchAny(support, p.path)
}

// match reports whether path matches pattern: equal, or below it for
// "x/...".
func match(pattern, path string) bool {
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

func matchAny(patterns []string, path string) bool {
	return slices.ContainsFunc(patterns, func(p string) bool { return match(p, path) })
}

func lastElem(path string) string { return path[strings.LastIndex(path, "/")+1:] }

// listPackages runs go list over the module for goos and returns its
// packages with their imports inside the module.
func listPackages(goos string) ([]pkg, error) {
	goTool := os.Getenv("GO")
	if goTool == "" {
		goTool = "go"
	}
	cmd := exec.Command(goTool, "list", "-e", "-json=ImportPath,Name,Imports", module+"/...")
	cmd.Env = append(os.Environ(), "GOOS="+goos, "CGO_ENABLED=0")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("%v: %s", err, stderr.Bytes())
	}
	var ps []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for {
		var p struct {
			ImportPath, Name string
			Imports          []string
		}
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			return ps, nil
		} else if err != nil {
			return nil, err
		}
		rel, ok := relative(p.ImportPath)
		if !ok {
			continue
		}
		q := pkg{path: rel, name: p.Name}
		for _, imp := range p.Imports {
			if r, ok := relative(imp); ok {
				q.imports = append(q.imports, r)
			}
		}
		ps = append(ps, q)
	}
}

// relative strips the module path; ok is false outside the module.
func relative(importPath string) (string, bool) {
	if importPath == module {
		return ".", true
	}
	return strings.CutPrefix(importPath, module+"/")
}
