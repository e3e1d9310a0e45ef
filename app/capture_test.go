package main

import (
	"errors"
	"flag"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"

	"github.com/espressovpn/espresso/app/ui"
	"github.com/espressovpn/espresso/helper/api"
)

// screenshotEnv names the directory where the app, run by runApp as the
// test binary itself, saves screenshots of its windows and then quits,
// and screenshotProfileEnv the profile it connects and disconnects for
// them with the window's buttons. TestMain runs the app instead of the
// tests when the first is set.
const (
	screenshotEnv        = "ESPRESSO_SCREENSHOTS"
	screenshotProfileEnv = "ESPRESSO_SCREENSHOTS_PROFILE"
)

// TestMain runs the app with the screenshot driver when runApp started
// this test binary as the app (screenshotEnv set), and the tests
// otherwise. The harness so lives in test files only: the shipped binary
// has no way to be driven.
func TestMain(m *testing.M) {
	dir := os.Getenv(screenshotEnv)
	if dir == "" {
		os.Exit(m.Run())
	}
	fs := flag.NewFlagSet("espresso", flag.ExitOnError)
	socket := fs.String("socket", api.DefaultSocket, "the helper's API socket")
	_ = fs.Parse(os.Args[1:])
	run(launch{socket: *socket}, func(u *ui.UI) error {
		if err := captureScreens(u, dir, os.Getenv(screenshotProfileEnv)); err != nil {
			return fmt.Errorf("screenshots: %w", err)
		}
		return nil
	})
	os.Exit(0)
}

// Files captureScreens writes: the two pictures, and the words each
// window showed when it was taken, one item a line.
const (
	shotMain       = "main-connected.png"
	shotEditor     = "editor.png"
	shotMainText   = "main-connected.txt"
	shotEditorText = "editor.txt"
)

// How long captureScreens waits for each step. A real gateway answers
// within a second or two; the limits only keep a broken run from hanging.
const (
	waitListed    = 30 * time.Second
	waitConnected = 60 * time.Second
	waitTraffic   = 30 * time.Second
	waitDown      = 30 * time.Second
	pollEvery     = 200 * time.Millisecond
)

// captureScreens drives the app as a user would and photographs it: it
// selects profile name, presses Connect, waits until the window shows
// the connection up with traffic counted both ways, saves the main
// window, then the profile's editor, and finally presses Disconnect and
// waits for the window to show it down. It runs in its own goroutine and
// touches the UI only through fyne.DoAndWait.
func captureScreens(u *ui.UI, dir, name string) error {
	if name == "" {
		return errors.New("no profile to connect: set " + screenshotProfileEnv)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var shown, state string
	show := func() (string, string) {
		fyne.DoAndWait(func() { shown, state = u.Shown() })
		return shown, state
	}
	err := waitFor(waitListed, func() bool {
		fyne.DoAndWait(func() { u.Select(name) })
		p, _ := show()
		return p == name
	})
	if err != nil {
		return fmt.Errorf("profile %q never appeared in the window", name)
	}
	if err := press(u.Window(), "Connect"); err != nil {
		return err
	}
	if waitFor(waitConnected, func() bool { _, s := show(); return s == "Connected" }) != nil {
		return fmt.Errorf("the window never showed %q connected (last: %q %q)", name, shown, state)
	}
	var lines []string
	if waitFor(waitTraffic, func() bool {
		lines = windowText(u.Window())
		return packets(lines, "Received") > 0 && packets(lines, "Sent") > 0
	}) != nil {
		return fmt.Errorf("the window never counted traffic both ways:\n%s", strings.Join(lines, "\n"))
	}
	// Let a few ticks draw the uptime and the throughput graph.
	time.Sleep(3 * time.Second)
	fyne.DoAndWait(func() { u.Window().Content().Refresh() })
	time.Sleep(500 * time.Millisecond)
	if err := shoot(u.Window(), filepath.Join(dir, shotMain)); err != nil {
		return err
	}
	if err := writeLines(filepath.Join(dir, shotMainText), windowText(u.Window())); err != nil {
		return err
	}

	var ed fyne.Window
	fyne.DoAndWait(func() { ed = u.OpenEditor(name) })
	time.Sleep(time.Second)
	if err := shoot(ed, filepath.Join(dir, shotEditor)); err != nil {
		return err
	}
	if err := writeLines(filepath.Join(dir, shotEditorText), windowText(ed)); err != nil {
		return err
	}
	fyne.DoAndWait(ed.Close)

	if err := press(u.Window(), "Disconnect"); err != nil {
		return err
	}
	if waitFor(waitDown, func() bool { _, s := show(); return s == "Disconnected" }) != nil {
		return fmt.Errorf("the window never showed %q disconnected (last: %q)", name, state)
	}
	return nil
}

// waitFor polls done until it holds, or fails after limit.
func waitFor(limit time.Duration, done func() bool) error {
	for deadline := time.Now().Add(limit); !done(); {
		if time.Now().After(deadline) {
			return errors.New("timed out")
		}
		time.Sleep(pollEvery)
	}
	return nil
}

// press taps the visible button labelled text in w, through the handler
// a click runs.
func press(w fyne.Window, text string) error {
	found := false
	fyne.DoAndWait(func() {
		if b := findButton(w.Content(), text); b != nil && !b.Disabled() {
			found = true
			b.Tapped(&fyne.PointEvent{})
		}
	})
	if !found {
		return fmt.Errorf("no %s button in the window %q", text, w.Title())
	}
	return nil
}

// windowText is screenText of w's content, read on the UI goroutine.
func windowText(w fyne.Window) []string {
	var lines []string
	fyne.DoAndWait(func() { lines = screenText(w.Content()) })
	return lines
}

// packets reads the count of a traffic row ("1.2 KiB in 14 packets")
// that follows the row's label, or 0.
func packets(lines []string, row string) int {
	for i := 0; i+1 < len(lines); i++ {
		if lines[i] != row {
			continue
		}
		f := strings.Fields(lines[i+1])
		if len(f) >= 2 && f[len(f)-1] == "packets" {
			n, _ := strconv.Atoi(f[len(f)-2])
			return n
		}
	}
	return 0
}

func writeLines(path string, lines []string) error {
	return os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
}

// shoot saves what w shows as a PNG. With ImageMagick's import it grabs
// the pixels the X server shows (on a display without a window manager
// the window sits at the origin): fyne's Canvas.Capture reads OpenGL's
// front buffer, which under Xvfb comes back blank. Without import it
// falls back to Capture.
func shoot(w fyne.Window, path string) error {
	if imp, err := exec.LookPath("import"); err == nil {
		var size fyne.Size
		var scale float32
		fyne.DoAndWait(func() { size, scale = w.Canvas().Size(), w.Canvas().Scale() })
		geom := fmt.Sprintf("%dx%d+0+0", int(size.Width*scale), int(size.Height*scale))
		out, err := exec.Command(imp, "-window", "root", "-crop", geom, "+repage", path).CombinedOutput()
		if err != nil {
			return fmt.Errorf("import: %v: %s", err, out)
		}
		return nil
	}
	var img image.Image
	fyne.DoAndWait(func() { img = w.Canvas().Capture() })
	if img == nil || img.Bounds().Empty() {
		return errors.New("empty capture of " + w.Title())
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := png.Encode(f, img); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
