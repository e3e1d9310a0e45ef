package service

import (
	"context"
	"errors"
	"os/user"
	"slices"
	"strings"
	"testing"
)

func TestConfigRunsHelperWithPathsAndRestartsQuickly(t *testing.T) {
	c := Config("/usr/local/bin/espresso-helper", Paths{Socket: "/run/x/h.sock", StateDir: "/var/lib/x"})
	want := []string{"run", "--socket", "/run/x/h.sock", "--state-dir", "/var/lib/x"}
	if !slices.Equal(c.Arguments, want) {
		t.Errorf("arguments = %v", c.Arguments)
	}
	if c.Name != Name || c.Executable != "/usr/local/bin/espresso-helper" {
		t.Errorf("name %q executable %q", c.Name, c.Executable)
	}
	unit, _ := c.Option["SystemdScript"].(string)
	for _, line := range []string{"Restart=always", "RestartSec=2", "StartLimitIntervalSec=0", "WantedBy=multi-user.target",
		"ExecStart={{Path | cmdEscape}}{{range Arguments}} {{. | cmd}}{{end}}"} {
		if !strings.Contains(unit, line+"\n") {
			t.Errorf("unit lacks %q", line)
		}
	}
	if strings.Contains(unit, "RestartSec=120") {
		t.Error("unit keeps the two-minute restart delay")
	}
	if c.Option["RunAtLoad"] != true || c.Option["KeepAlive"] != true {
		t.Error("launchd options do not start at boot and keep alive")
	}
}

func TestDefaultPaths(t *testing.T) {
	if !strings.HasSuffix(Default.Socket, "/espresso/helper.sock") || Default.StateDir == "" {
		t.Errorf("defaults = %+v", Default)
	}
}

type recordRunner struct {
	calls [][]string
	err   error
}

func (r *recordRunner) Run(_ context.Context, name string, args ...string) ([]byte, error) {
	r.calls = append(r.calls, append([]string{name}, args...))
	return []byte("output"), r.err
}

func TestEnsureGroup(t *testing.T) {
	r := &recordRunner{}
	created, err := EnsureGroup(context.Background(), r, "espresso-test-no-such-group")
	if err != nil || !created {
		t.Fatalf("created %v, %v", created, err)
	}
	if len(r.calls) != 1 || !slices.Equal(r.calls[0], groupCommand("espresso-test-no-such-group")) {
		t.Errorf("calls = %v", r.calls)
	}
	// An existing group is left alone.
	r = &recordRunner{}
	if created, err := EnsureGroup(context.Background(), r, "root"); err != nil || created || len(r.calls) != 0 {
		t.Errorf("existing group: created %v, err %v, calls %v", created, err, r.calls)
	}
	r = &recordRunner{err: errors.New("exit status 9")}
	if _, err := EnsureGroup(context.Background(), r, "espresso-test-no-such-group"); err == nil || !strings.Contains(err.Error(), "exit status 9") {
		t.Errorf("failure: %v", err)
	}
}

func TestUninstallRemovesOnlyTheGroupInstallCreated(t *testing.T) {
	dir := t.TempDir()
	r := &recordRunner{}
	// Not recorded: the group was there before install and stays.
	if removed, err := RemoveCreatedGroup(context.Background(), r, dir, "root"); err != nil || removed || len(r.calls) != 0 {
		t.Fatalf("without the record: removed %v, err %v, calls %v", removed, err, r.calls)
	}
	if err := RecordGroupCreated(dir); err != nil {
		t.Fatal(err)
	}
	// "root" stands in for a group install created; the runner only
	// records the command.
	removed, err := RemoveCreatedGroup(context.Background(), r, dir, "root")
	if err != nil || !removed {
		t.Fatalf("with the record: removed %v, err %v", removed, err)
	}
	if len(r.calls) != 1 || !slices.Equal(r.calls[0], groupDeleteCommand("root")) {
		t.Errorf("calls = %v", r.calls)
	}
	if removed, _ := RemoveCreatedGroup(context.Background(), r, dir, "root"); removed {
		t.Error("the record outlived the removal")
	}
}

func TestAddMember(t *testing.T) {
	r := &recordRunner{}
	if added, err := AddMember(context.Background(), r, "root", "root"); err != nil || added || len(r.calls) != 0 {
		t.Errorf("a member already: added %v, err %v, calls %v", added, err, r.calls)
	}
	if _, err := user.Lookup("nobody"); err != nil {
		t.Skip("no user nobody")
	}
	added, err := AddMember(context.Background(), r, "root", "nobody")
	if err != nil || !added || len(r.calls) != 1 || !slices.Equal(r.calls[0], addMemberCommand("root", "nobody")) {
		t.Errorf("added %v, err %v, calls %v", added, err, r.calls)
	}
	if _, err := AddMember(context.Background(), r, "root", "espresso-no-such-user"); err == nil {
		t.Error("an unknown user was added")
	}
}
