package main

import (
	"bufio"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/app/internal/fakehelper"
	"github.com/espressovpn/espresso/helper/api"
)

// helperSocketEnv points the Xvfb test at a running helper whose profile
// "work" connects to a real gateway; without it the test serves the API
// from the in-process fake, already connected.
const helperSocketEnv = "ESPRESSO_XVFB_HELPER_SOCKET"

// appBinEnv names an already built espresso binary (make passes bin/espresso);
// without it the test builds one.
const appBinEnv = "ESPRESSO_BIN"

// TestScreenshotsUnderXvfb runs the real app on a virtual X display
// against the helper's API with "work" connected, and keeps screenshots of
// the main window and the editor in build/screenshots/. It checks that
// the window said "Connected" and that the state's green is on screen.
// The session has no D-Bus, so this also checks the app runs without a
// tray or notifications.
func TestScreenshotsUnderXvfb(t *testing.T) {
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Skip("Xvfb is not installed (Debian package xvfb; make deps installs it): no screenshots")
	}
	if _, err := exec.LookPath("import"); err != nil {
		t.Skip("ImageMagick's import is not installed (Debian package imagemagick): fyne's own capture is blank under Xvfb, so no screenshots")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()

	bin := os.Getenv(appBinEnv)
	if bin == "" {
		bin = filepath.Join(t.TempDir(), "espresso")
		out, err := exec.CommandContext(ctx, "go", "build", "-o", bin, ".").CombinedOutput()
		if err != nil {
			t.Fatalf("building the app: %v\n%s", err, out)
		}
	}
	socket := os.Getenv(helperSocketEnv)
	if socket == "" {
		socket = startConnectedFake(t)
	}
	display := startXvfb(t, ctx, xvfb)

	outDir, err := filepath.Abs(filepath.Join("..", "build", "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{shotMain, shotEditor, shotState} {
		os.Remove(filepath.Join(outDir, f))
	}
	cmd := exec.CommandContext(ctx, bin, "--socket", socket)
	cmd.Env = append(cleanEnv(), "DISPLAY="+display, screenshotEnv+"="+outDir, "LANG=en_US.UTF-8",
		"HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("espresso: %v\n%s", err, out)
	}

	state, err := os.ReadFile(filepath.Join(outDir, shotState))
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(string(state)), "\n"); len(lines) != 2 || lines[0] != "work" || lines[1] != "Connected" {
		t.Errorf("the window showed %q, want work Connected", state)
	}
	main := readPNG(t, filepath.Join(outDir, shotMain))
	if n := countNear(main, 0x2e, 0x9e, 0x5b); n < 50 {
		t.Errorf("main window: only %d pixels of the connected green", n)
	}
	ed := readPNG(t, filepath.Join(outDir, shotEditor))
	if b := ed.Bounds(); b.Dx() < 400 || b.Dy() < 400 {
		t.Errorf("editor screenshot is %v", b)
	}
	t.Logf("screenshots in %s", outDir)
}

// startConnectedFake serves the API with profile "work" connected and
// traffic flowing, until the test ends.
func startConnectedFake(t *testing.T) string {
	dir, err := os.MkdirTemp("", "espresso-xvfb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	fake := fakehelper.New(filepath.Join(dir, "helper.sock"), fakehelper.Options{})
	for _, p := range []api.Profile{
		{Name: "work", Gateway: "vpn.example.com", Auth: api.AuthPSK, PSK: "screenshot key", RemoteTS: []string{"198.51.100.0/24", "203.0.113.0/24"}},
		{Name: "lab", Gateway: "192.0.2.1", Auth: api.AuthEAPMSCHAPv2, Username: "alice", Password: "pw"},
	} {
		if err := fake.AddProfile(p); err != nil {
			t.Fatal(err)
		}
	}
	connected := fakehelper.DefaultConnected
	connected.RemoteTS = []string{"198.51.100.0/24", "203.0.113.0/24"}
	connected.NATDetected = true
	fake.SetOutcome("work", fakehelper.Outcome{Connected: connected})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	c := api.NewClient(fake.Socket())
	if _, err := c.Connect(context.Background(), "work", api.ConnectRequest{}, true); err != nil {
		t.Fatal(err)
	}
	c.CloseIdleConnections()
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // traffic for the graph: bounded, and ends with the test
		defer wg.Done()
		var in, out uint64
		for i := range 600 {
			select {
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond):
			}
			in += 200_000 + uint64(i%7)*60_000
			out += 40_000 + uint64(i%5)*15_000
			_ = fake.SetTraffic("work", in, out)
		}
	}()
	t.Cleanup(func() {
		close(stop)
		wg.Wait()
		fake.Stop()
	})
	return fake.Socket()
}

// startXvfb starts a virtual display and returns its name; it is killed
// when the test ends.
func startXvfb(t *testing.T, ctx context.Context, xvfb string) string {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(ctx, xvfb, "-displayfd", "3", "-screen", "0", "1280x900x24", "-nolisten", "tcp")
	cmd.ExtraFiles = []*os.File{w}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w.Close()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 1)
	go func() {
		defer r.Close()
		s, _ := bufio.NewReader(r).ReadString('\n')
		lines <- strings.TrimSpace(s)
	}()
	select {
	case n := <-lines:
		if n == "" {
			t.Fatal("Xvfb did not report a display")
		}
		return ":" + n
	case <-time.After(30 * time.Second):
		t.Fatal("Xvfb did not start")
	}
	return ""
}

// cleanEnv is the test's environment without a display or a session bus,
// so the app meets a bare X server.
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case "DISPLAY", "WAYLAND_DISPLAY", "DBUS_SESSION_BUS_ADDRESS", "HOME", "XDG_CONFIG_HOME", "LANG", "LC_ALL":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return img
}

// countNear counts pixels within a small distance of the colour r, g, b.
func countNear(img image.Image, r, g, b uint8) int {
	n := 0
	near := func(a uint32, want uint8) bool {
		d := int(a>>8) - int(want)
		return d > -24 && d < 24
	}
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y++ {
		for x := bd.Min.X; x < bd.Max.X; x++ {
			pr, pg, pb, _ := img.At(x, y).RGBA()
			if near(pr, r) && near(pg, g) && near(pb, b) {
				n++
			}
		}
	}
	return n
}
