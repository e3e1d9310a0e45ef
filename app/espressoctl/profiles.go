package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/espressovpn/espresso/helper/api"
)

func cmdList(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("list", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	asJSON := fs.Bool("json", false, "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 0 {
		return usageError("list takes no arguments")
	}
	ps, err := e.client.Profiles(ctx)
	if err != nil {
		return err
	}
	sts, err := e.client.Status(ctx)
	if err != nil {
		return err
	}
	status := map[string]api.ConnectionStatus{}
	for _, st := range sts {
		status[st.Name] = st
	}
	// A helper older than the always-on API marks none.
	def, _ := e.client.AlwaysOn(ctx)
	if *asJSON {
		type entry struct {
			api.Profile
			State api.State `json:"state"`
			// AlwaysOn: the helper keeps the connection up; Default:
			// it is the default always-on profile.
			AlwaysOn bool `json:"always_on"`
			Default  bool `json:"default_always_on"`
		}
		out := make([]entry, 0, len(ps))
		for _, p := range ps {
			out = append(out, entry{p, status[p.Name].State, status[p.Name].AlwaysOn, p.Name == def.Profile})
		}
		return writeJSON(e.stdout, out)
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tGATEWAY\tAUTH\tSTATE\tALWAYS-ON")
	for _, p := range ps {
		always := ""
		switch {
		case p.Name == def.Profile:
			always = "default"
		case status[p.Name].AlwaysOn:
			always = "yes"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Gateway, p.Auth, status[p.Name].State, always)
	}
	return tw.Flush()
}

func cmdImport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	replace := fs.Bool("replace", false, "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return usageError("import takes one FILE")
	}
	file := fs.Arg(0)
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	format := api.FormatEspresso
	if strings.EqualFold(filepath.Ext(file), ".sswan") {
		format = api.FormatSswan
	} else if data, err = inlineFiles(data, filepath.Dir(file)); err != nil {
		return err
	}
	p, err := e.client.ImportProfile(ctx, format, data, *replace)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "imported profile %s (gateway %s, auth %s)\n", p.Name, p.Gateway, p.Auth)
	return nil
}

// euid returns the effective uid; tests replace it.
var euid = os.Geteuid

// inlineFiles reads the files a profile names and puts their content in
// the profile, with the user's own permissions: the helper runs as root,
// never takes a value for a file name, and accepts the *_file keys from
// root only. A path in cert, key, ca or p12 (the format before the *_file
// keys) and any *_file key are read; only root keeps a *_file key, made
// absolute, for the helper to read at every connect. Relative paths are
// taken from the profile's directory.
func inlineFiles(data []byte, dir string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return data, nil // the helper reports the syntax error with context
	}
	str := func(key string) string {
		var v string
		if raw, ok := m[key]; ok && json.Unmarshal(raw, &v) == nil {
			return v
		}
		return ""
	}
	abs := func(path string) string {
		if filepath.IsAbs(path) {
			return filepath.Clean(path)
		}
		return filepath.Join(dir, path)
	}
	changed := false
	for _, key := range []string{api.FieldCert, api.FieldKey, api.FieldCA, api.FieldP12} {
		fileKey := key + "_file"
		v, path := str(key), str(fileKey)
		named := path != "" // a file the profile names, not a guess
		switch {
		case path != "" && euid() == 0:
			m[fileKey], _ = json.Marshal(abs(path))
			changed = true
			continue
		case path != "":
			delete(m, fileKey)
		case v == "" || strings.Contains(v, "-----BEGIN "):
			continue
		default:
			path = v
		}
		content, err := os.ReadFile(abs(path))
		if key == api.FieldP12 && err != nil && !named {
			continue // not a file: base64 data, which the helper checks
		}
		if err != nil {
			return nil, fmt.Errorf("profile key %s: %w", key, err)
		}
		if key == api.FieldP12 {
			content = []byte(base64.StdEncoding.EncodeToString(content))
		}
		m[key], _ = json.Marshal(string(content))
		changed = true
	}
	if !changed {
		return data, nil
	}
	return json.Marshal(m)
}

func cmdRemove(ctx context.Context, e *env, args []string) error {
	if len(args) != 1 {
		return usageError("remove takes one profile NAME")
	}
	if err := e.client.RemoveProfile(ctx, args[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed profile %s\n", args[0])
	return nil
}
