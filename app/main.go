// Command espresso is the desktop app: a window and a tray icon that show
// the state of every VPN profile and drive the Espresso helper through its
// local API. It holds no privilege; the helper does the work.
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/driver/desktop"

	"github.com/espressovpn/espresso/app/autostart"
	"github.com/espressovpn/espresso/app/internal/icons"
	"github.com/espressovpn/espresso/app/setup"
	"github.com/espressovpn/espresso/app/ui"
	"github.com/espressovpn/espresso/helper/api"
	"github.com/espressovpn/espresso/internal/version"
)

// appID is the application's reverse-DNS identity, as in FyneApp.toml.
const appID = "com.github.espressovpn.espresso"

func main() {
	var l launch
	flag.StringVar(&l.socket, "socket", api.DefaultSocket, "the helper's API socket")
	flag.BoolVar(&l.hidden, "hidden", false, "start in the tray without opening the window (as at login)")
	showVersion := flag.Bool("version", false, "print the version and exit")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: espresso [--hidden] [--socket PATH] [PROFILE-FILE...]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *showVersion {
		fmt.Println("espresso", version.String())
		return
	}
	l.open = flag.Args()
	run(l, nil)
}

// launch is how the app was started.
type launch struct {
	// socket is the helper's API socket.
	socket string
	// hidden starts the app in the tray, its window closed; without a
	// tray the window opens anyway, or there would be no app to see.
	hidden bool
	// open are profile files to import (the desktop passes the file a
	// user double-clicked).
	open []string
}

// opensWindow tells whether the app starts with its window open: unless
// started --hidden into a tray, and always when there are files to
// import or no tray to start into (the app would be nowhere to see).
func (l launch) opensWindow(tray bool) bool {
	return !l.hidden || !tray || len(l.open) > 0
}

// run shows the app against the helper until it quits. drive, when not
// nil, runs in its own goroutine once the window is up and then quits
// the app, which exits 1 if it fails: the screenshot tests drive the
// real window with it (capture_test.go), and the shipped app has none.
func run(l launch, drive func(*ui.UI) error) {
	app.SetMetadata(fyne.AppMetadata{ID: appID, Name: "Espresso", Version: version.String(), Icon: icons.App})
	a := app.NewWithID(appID)
	a.SetIcon(icons.App)
	a.Settings().SetTheme(ui.Theme())

	d := probeDesktop()
	var tray ui.Tray
	if desk, ok := a.(desktop.App); ok && d.tray {
		tray = desk
	}
	client := api.NewClient(l.socket)
	exe, _ := os.Executable()
	var userName string
	if me, err := user.Current(); err == nil {
		userName = me.Username
	}
	install := setup.Locate(setup.System{GOOS: runtime.GOOS, Executable: exe, LookPath: exec.LookPath, IsFile: isFile,
		Lstat: setup.Lstat, EvalSymlinks: filepath.EvalSymlinks, User: userName})
	u := ui.New(ui.Config{
		App:    desktopApp{App: a, notify: d.notifications},
		Helper: client,
		Tray:   tray,
		Setup:  ui.Setup{GOOS: runtime.GOOS, Install: install},
		// Starting at login needs the tray to start into.
		Autostart: loginItem(exe, tray != nil),
		Quit:      func() { quit(a) },
	})
	u.Start()
	for _, f := range l.open {
		u.ImportFile(f)
	}
	if drive != nil {
		go func() {
			if err := drive(u); err != nil {
				fmt.Fprintln(os.Stderr, "espresso:", err)
				os.Exit(1)
			}
			fyne.Do(func() { quit(a) })
		}()
	}
	if l.opensWindow(tray != nil) {
		u.Window().ShowAndRun()
	} else {
		a.Run()
	}
	u.Close()
	client.CloseIdleConnections()
}

// quit ends the app. Fyne's tray tears down its D-Bus connection on quit
// and panics when it never had one (the session bus went away after the
// probe); the app is leaving anyway, so leave without the tray.
func quit(a fyne.App) {
	defer func() {
		if recover() != nil {
			os.Exit(0)
		}
	}()
	a.Quit()
}

// loginItem is the user's switch for starting the app at login, where
// the desktop has a tray to start into: XDG autostart on Linux and
// FreeBSD, a launchd agent on macOS; nil elsewhere.
func loginItem(exe string, tray bool) ui.Autostart {
	if !tray || exe == "" {
		return nil
	}
	switch runtime.GOOS {
	case "linux", "freebsd":
		dir, err := autostart.UserConfigHome()
		if err != nil {
			return nil
		}
		return autostart.XDG(dir, appID, exe)
	case "darwin":
		home, err := os.UserHomeDir()
		if err != nil {
			return nil
		}
		// exe is Espresso.app/Contents/MacOS/espresso: launchd starts
		// the binary in the bundle, which finds its resources beside it.
		return autostart.UserLaunchAgent(home, autostart.LaunchAgentLabel, exe)
	}
	return nil
}

func isFile(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular()
}

// desktopApp is the fyne app with notifications dropped when the desktop
// cannot show them (no session bus), rather than logging an error each
// time.
type desktopApp struct {
	fyne.App
	notify bool
}

// SendNotification shows n if the desktop can.
func (a desktopApp) SendNotification(n *fyne.Notification) {
	if a.notify {
		a.App.SendNotification(n)
	}
}

// desktopCaps is what the desktop session offers.
type desktopCaps struct {
	// tray: a system tray shows status icons; without one the window is
	// the app: --hidden opens it anyway, and closing it says once why it
	// stays open (ui.UI.closeWindow).
	tray bool
	// notifications: desktop notifications can be sent.
	notifications bool
}
