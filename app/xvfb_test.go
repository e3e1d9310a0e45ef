package main

import (
	"bufio"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/espressovpn/espresso/app/internal/apitest"
	"github.com/espressovpn/espresso/helper/api"
)

// TestScreenshotsUnderXvfb runs the real app on a virtual X display
// against an in-process fake of the helper's API: the app presses Connect
// on "work", and the test checks the window said "Connected" with the
// fake's virtual IP, that the state's green is on screen, that the
// editor shows no secret, and that the app's Disconnect reached the
// helper. The session has no D-Bus, so this also checks the app runs
// without a tray or notifications. As root, TestScreenshotsAgainstGateway
// does the same against a real connection and keeps its screenshots
// instead.
func TestScreenshotsUnderXvfb(t *testing.T) {
	xvfb := requireX(t)
	if gatewayLabAvailable() {
		t.Skip("skipping: as root, TestScreenshotsAgainstGateway takes the screenshots against a real gateway")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := appBinary(t)
	fake := startFake(t)
	display := startXvfb(t, ctx, xvfb)

	outDir := screenshotDir(t)
	runApp(t, ctx, display, outDir, []string{bin, "--socket", fake.Socket()})

	text, editor := checkShots(t, outDir)
	for _, want := range []string{"work", "Connected", apitest.DefaultConnected.VirtualIPs[0], "Disconnect"} {
		if !slices.Contains(text, want) {
			t.Errorf("the main window did not show %q:\n%s", want, strings.Join(text, "\n"))
		}
	}
	if !slices.Contains(editor, "Stored; type to replace the key") {
		t.Errorf("the editor does not say the key is stored:\n%s", strings.Join(editor, "\n"))
	}
	c := api.NewClient(fake.Socket())
	defer c.CloseIdleConnections()
	if st, err := c.StatusOf(ctx, "work"); err != nil || st.State != api.StateDisconnected {
		t.Errorf("after the app pressed Disconnect the helper reports %s (%v)", st.State, err)
	}
	t.Logf("screenshots in %s", outDir)
}

// requireX skips the test without Xvfb or ImageMagick's import and
// returns Xvfb's path.
func requireX(t *testing.T) string {
	t.Helper()
	xvfb, err := exec.LookPath("Xvfb")
	if err != nil {
		t.Skip("Xvfb is not installed (Debian package xvfb; make deps installs it): no screenshots")
	}
	if _, err := exec.LookPath("import"); err != nil {
		t.Skip("ImageMagick's import is not installed (Debian package imagemagick): fyne's own capture is blank under Xvfb, so no screenshots")
	}
	return xvfb
}

// appBinary is this test binary, which runs as the app with the
// screenshot driver when started with screenshotEnv (see TestMain).
func appBinary(t *testing.T) string {
	t.Helper()
	bin, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	return bin
}

// screenshotDir is build/screenshots/ at the module's root, emptied of
// the files the app writes so that a stale one cannot pass.
func screenshotDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs(filepath.Join("..", "build", "screenshots"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{shotMain, shotEditor, shotMainText, shotEditorText} {
		os.Remove(filepath.Join(dir, f))
	}
	return dir
}

// runApp runs the app command args on display in screenshot mode for the
// profile "work", until it exits by itself.
func runApp(t *testing.T, ctx context.Context, display, outDir string, args []string, env ...string) {
	t.Helper()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Env = append(cleanEnv(), "DISPLAY="+display, screenshotEnv+"="+outDir, screenshotProfileEnv+"=work",
		"LANG=en_US.UTF-8", "HOME="+t.TempDir(), "XDG_CONFIG_HOME="+t.TempDir())
	cmd.Env = append(cmd.Env, env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("espresso: %v\n%s", err, out)
	}
}

// checkShots checks the pictures the app saved in dir and returns the
// words of the main window and of the editor.
func checkShots(t *testing.T, dir string) (mainText, editorText []string) {
	t.Helper()
	main := readPNG(t, filepath.Join(dir, shotMain))
	if n := countNear(main, 0x3a, 0xae, 0x68); n < 50 {
		t.Errorf("main window: only %d pixels of the connected green", n)
	}
	ed := readPNG(t, filepath.Join(dir, shotEditor))
	if b := ed.Bounds(); b.Dx() < 400 || b.Dy() < 400 {
		t.Errorf("editor screenshot is %v", b)
	}
	return readLines(t, filepath.Join(dir, shotMainText)), readLines(t, filepath.Join(dir, shotEditorText))
}

// startFake serves the API with profiles "work", which connects when
// asked, and "lab", until the test ends. Traffic counters move while
// "work" is connected, for the graph.
func startFake(t *testing.T) *apitest.Server {
	dir, err := os.MkdirTemp("", "espresso-xvfb")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	fake := apitest.New(filepath.Join(dir, "helper.sock"), apitest.Options{})
	for _, p := range []api.Profile{
		{Name: "work", Gateway: "vpn.example.com", Auth: api.AuthPSK, PSK: "screenshot key", RemoteTS: []string{"198.51.100.0/24", "203.0.113.0/24"}},
		{Name: "lab", Gateway: "192.0.2.1", Auth: api.AuthEAPMSCHAPv2, Username: "alice", Password: "pw"},
	} {
		if err := fake.AddProfile(p); err != nil {
			t.Fatal(err)
		}
	}
	connected := apitest.DefaultConnected
	connected.RemoteTS = []string{"198.51.100.0/24", "203.0.113.0/24"}
	connected.NATDetected = true
	fake.SetOutcome("work", apitest.Outcome{Connected: connected})
	if err := fake.Start(); err != nil {
		t.Fatal(err)
	}
	c := api.NewClient(fake.Socket())
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // bounded, and ends with the test
		defer wg.Done()
		var in, out uint64
		for i := range 600 {
			select {
			case <-stop:
				return
			case <-time.After(250 * time.Millisecond):
			}
			if st, err := c.StatusOf(context.Background(), "work"); err != nil || st.State != api.StateConnected {
				continue
			}
			in += 200_000 + uint64(i%7)*60_000
			out += 40_000 + uint64(i%5)*15_000
			_ = fake.SetTraffic("work", in, out)
		}
	}()
	t.Cleanup(func() {
		close(stop)
		wg.Wait()
		c.CloseIdleConnections()
		fake.Stop()
	})
	return fake
}

// startXvfb starts a virtual display and returns its name; it is killed
// when the test ends. Clients reach it through its socket in
// /tmp/.X11-unix, from any network namespace.
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
		case "DISPLAY", "WAYLAND_DISPLAY", "FYNE_THEME", "DBUS_SESSION_BUS_ADDRESS", "HOME", "XDG_CONFIG_HOME", "LANG", "LC_ALL":
			continue
		}
		env = append(env, kv)
	}
	return env
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n")
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
