package main

import (
	"errors"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"fyne.io/fyne/v2"

	"github.com/espressovpn/espresso/app/ui"
)

// Files captureScreens writes.
const (
	shotMain   = "main-connected.png"
	shotEditor = "editor.png"
	shotState  = "main-connected.txt"
)

// captureScreens waits until the main window shows a connection as
// connected, saves it, then opens that profile's editor and saves it too.
// It also writes what the window showed, for the test to check. It runs
// in its own goroutine and touches the UI only through fyne.DoAndWait.
func captureScreens(u *ui.UI, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var name, state string
	deadline := time.Now().Add(60 * time.Second)
	for state != "Connected" {
		if time.Now().After(deadline) {
			return fmt.Errorf("the window never showed a connection as connected (last: %q %q)", name, state)
		}
		time.Sleep(200 * time.Millisecond)
		fyne.DoAndWait(func() { name, state = u.Shown() })
	}
	// Let a few ticks draw the uptime and the throughput graph.
	time.Sleep(4 * time.Second)
	fyne.DoAndWait(func() { u.Window().Content().Refresh() })
	time.Sleep(500 * time.Millisecond)
	if err := shoot(u.Window(), filepath.Join(dir, shotMain)); err != nil {
		return err
	}
	fyne.DoAndWait(func() { name, state = u.Shown() })
	if err := os.WriteFile(filepath.Join(dir, shotState), []byte(name+"\n"+state+"\n"), 0o644); err != nil {
		return err
	}
	var ed fyne.Window
	fyne.DoAndWait(func() { ed = u.OpenEditor(name) })
	time.Sleep(time.Second)
	return shoot(ed, filepath.Join(dir, shotEditor))
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
