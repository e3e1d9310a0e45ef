package setup

import (
	"context"
	"errors"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

func TestStartCommands(t *testing.T) {
	fresh := Install{HelperPath: "/usr/local/bin/espresso-helper", User: "alice"}
	installed := Install{HelperPath: "/usr/bin/espresso-helper", Installed: true, User: "alice"}
	bundle := Install{HelperPath: "/Applications/Espresso VPN.app/Contents/MacOS/espresso-helper", User: "bob"}
	tests := []struct {
		goos   string
		in     Install
		argv   []string
		manual string
	}{
		{"linux", fresh,
			[]string{"pkexec", "/usr/local/bin/espresso-helper", "setup", "--user", "alice"},
			`sudo /usr/local/bin/espresso-helper setup --user alice`},
		{"linux", installed,
			[]string{"pkexec", "/usr/bin/espresso-helper", "setup", "--user", "alice"},
			`sudo /usr/bin/espresso-helper setup --user alice`},
		{"linux", Install{HelperPath: "/usr/bin/espresso-helper"},
			[]string{"pkexec", "/usr/bin/espresso-helper", "setup"},
			`sudo /usr/bin/espresso-helper setup`},
		{"darwin", bundle,
			[]string{"osascript", "-e", `do shell script "'/Applications/Espresso VPN.app/Contents/MacOS/espresso-helper' setup --user bob" with administrator privileges`},
			`sudo '/Applications/Espresso VPN.app/Contents/MacOS/espresso-helper' setup --user bob`},
		{"freebsd", installed, nil, `su root -c '/usr/bin/espresso-helper setup --user alice'`},
	}
	for _, tc := range tests {
		cmd, err := StartCommand(tc.goos, tc.in)
		if err != nil {
			t.Fatalf("%s: %v", tc.goos, err)
		}
		if !reflect.DeepEqual(cmd.Argv, tc.argv) {
			t.Errorf("%s argv = %q\nwant %q", tc.goos, cmd.Argv, tc.argv)
		}
		if cmd.Manual != tc.manual {
			t.Errorf("%s manual = %s\nwant %s", tc.goos, cmd.Manual, tc.manual)
		}
		if cmd.Install == tc.in.Installed {
			t.Errorf("%s: Install = %v with Installed = %v", tc.goos, cmd.Install, tc.in.Installed)
		}
	}
	if _, err := StartCommand("linux", Install{}); !errors.Is(err, ErrNoHelper) {
		t.Errorf("no helper: %v", err)
	}
	if _, err := StartCommand("plan9", fresh); !errors.Is(err, ErrUnsupported) {
		t.Errorf("plan9: %v", err)
	}
	unsafe := &UnsafeHelperError{Helper: "/home/a/espresso-helper", Path: "/home/a", Reason: "is owned by user id 1000, not by root"}
	if _, err := StartCommand("linux", Install{HelperPath: "/home/a/espresso-helper", Unsafe: unsafe}); err != unsafe {
		t.Errorf("unsafe helper: %v", err)
	}
}

// The AppleScript literal survives a path with quotes and backslashes.
func TestAppleScriptQuoting(t *testing.T) {
	cmd, err := StartCommand("darwin", Install{HelperPath: `/tmp/a"b\c/espresso-helper`, Installed: true})
	if err != nil {
		t.Fatal(err)
	}
	want := `do shell script "'/tmp/a\"b\\c/espresso-helper' setup" with administrator privileges`
	if cmd.Argv[2] != want {
		t.Errorf("script = %s\nwant %s", cmd.Argv[2], want)
	}
}

// The manual command, run by a shell, passes the path as one argument
// whatever it holds.
func TestManualCommandQuoting(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh on this system")
	}
	cmd, _ := StartCommand("linux", Install{HelperPath: "/x/it's here/espresso-helper", User: "alice"})
	script := "printf '%s|' " + strings.TrimPrefix(cmd.Manual, "sudo ")
	out, err := Exec{}.Run(context.Background(), []string{"sh", "-c", script})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "/x/it's here/espresso-helper|setup|--user|alice|" {
		t.Errorf("output = %q", out)
	}
	if _, err := (Exec{}).Run(context.Background(), []string{"sh", "-c", "exit 3"}); err == nil {
		t.Error("a failing command returned no error")
	}
}

func TestLocate(t *testing.T) {
	files := map[string]bool{
		"/opt/espresso/espresso-helper":               true,
		"/usr/bin/espresso-helper":                    true,
		"/etc/systemd/system/espresso-helper.service": true,
	}
	sys := System{
		GOOS:       "linux",
		Executable: "/opt/espresso/espresso",
		LookPath:   func(string) (string, error) { return "", exec.ErrNotFound },
		IsFile:     func(p string) bool { return files[p] },
	}
	if in := Locate(sys); in.HelperPath != "/opt/espresso/espresso-helper" || !in.Installed {
		t.Errorf("beside the app: %+v", in)
	}
	sys.Executable = "/home/u/bin/espresso"
	if in := Locate(sys); in.HelperPath != "/usr/bin/espresso-helper" {
		t.Errorf("in /usr/bin: %+v", in)
	}
	sys.GOOS = "freebsd"
	if in := Locate(sys); in.Installed {
		t.Errorf("a systemd unit counted on FreeBSD: %+v", in)
	}
	files = map[string]bool{}
	if in := Locate(sys); in.HelperPath != "" {
		t.Errorf("nothing installed: %+v", in)
	}
}
