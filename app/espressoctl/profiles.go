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
	if len(args) != 0 {
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
	state := map[string]api.State{}
	for _, st := range sts {
		state[st.Name] = st.State
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tGATEWAY\tAUTH\tSTATE")
	for _, p := range ps {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", p.Name, p.Gateway, p.Auth, state[p.Name])
	}
	return tw.Flush()
}

func cmdImport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("import", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	replace := fs.Bool("replace", false, "")
	if err := fs.Parse(args); err != nil || fs.NArg() != 1 {
		return usageError("import [--replace] FILE")
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

// inlineFiles replaces file paths in a profile's cert, key, ca and p12
// with the files' content, read with the user's own permissions: the
// helper runs as root and accepts paths from root only. Relative paths are
// taken from the profile's directory.
func inlineFiles(data []byte, dir string) ([]byte, error) {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return data, nil // the helper reports the syntax error with context
	}
	changed := false
	for _, key := range []string{api.FieldCert, api.FieldKey, api.FieldCA, api.FieldP12} {
		raw, ok := m[key]
		if !ok {
			continue
		}
		var v string
		if json.Unmarshal(raw, &v) != nil || v == "" || strings.Contains(v, "-----BEGIN ") {
			continue
		}
		path := v
		if !filepath.IsAbs(path) {
			path = filepath.Join(dir, path)
		}
		content, err := os.ReadFile(path)
		if key == api.FieldP12 && err != nil {
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
		return usageError("remove NAME")
	}
	if err := e.client.RemoveProfile(ctx, args[0]); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "removed profile %s\n", args[0])
	return nil
}
