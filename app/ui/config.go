package ui

import (
	"context"
	"time"

	"fyne.io/fyne/v2"

	"github.com/espressovpn/espresso/app/setup"
	"github.com/espressovpn/espresso/app/watch"
	"github.com/espressovpn/espresso/helper/api"
)

// Helper is the part of the helper's API the app uses; *api.Client
// implements it.
type Helper interface {
	Profiles(ctx context.Context) ([]api.Profile, error)
	Profile(ctx context.Context, name string) (api.Profile, error)
	CreateProfile(ctx context.Context, p api.Profile, replace bool) (api.Profile, error)
	ImportProfile(ctx context.Context, format string, data []byte, replace bool) (api.Profile, error)
	UpdateProfile(ctx context.Context, p api.Profile) (api.Profile, error)
	RemoveProfile(ctx context.Context, name string) error
	Connect(ctx context.Context, name string, req api.ConnectRequest, wait bool) (api.ConnectionStatus, error)
	Disconnect(ctx context.Context, name string) (api.ConnectionStatus, error)
	Status(ctx context.Context) ([]api.ConnectionStatus, error)
	Watch(ctx context.Context) (*api.Stream[api.Event], error)
	Logs(ctx context.Context, follow bool) (*api.Stream[api.LogEntry], error)
	LogLevel(ctx context.Context) (api.Level, error)
	SetLogLevel(ctx context.Context, level api.Level) error
	Diagnostics(ctx context.Context) (api.Diagnostics, error)
	Version(ctx context.Context) (api.VersionInfo, error)
	AnswerPrompt(ctx context.Context, id string, a api.PromptAnswer) error
}

// Tray is the system tray; fyne's desktop.App implements it.
type Tray interface {
	SetSystemTrayMenu(menu *fyne.Menu)
	SetSystemTrayIcon(icon fyne.Resource)
}

// Autostart turns starting the app at login on and off (app/autostart).
type Autostart interface {
	Enabled() bool
	SetEnabled(on bool) error
}

// Setup is what the app knows about installing and starting the helper.
type Setup struct {
	// GOOS selects the command (setup.StartCommand).
	GOOS string
	// Install is where the helper is and whether its service exists.
	Install setup.Install
	// Runner runs the command; nil means setup.Exec.
	Runner setup.Runner
}

// Config is what New needs.
type Config struct {
	// App creates windows and sends notifications.
	App fyne.App
	// Helper is the helper's API.
	Helper Helper
	// Do runs f on the UI goroutine; nil means fyne.Do.
	Do func(f func())
	// Tray is the system tray, nil when the desktop has none: then
	// closing the main window first says so and keeps it open, and
	// quits once the user knows.
	Tray Tray
	// Setup describes the helper installation for the "start it" offer.
	Setup Setup
	// Autostart, when not nil, is offered in the tray menu as "Start at
	// login" (off until the user turns it on).
	Autostart Autostart
	// Now returns the time (uptime, graph); nil means time.Now.
	Now func() time.Time
	// Ticks drive the refresh of counters, uptime and graph; nil means a
	// ticker every second, owned by the UI.
	Ticks <-chan time.Time
	// Watch tunes the watch stream's reconnection.
	Watch watch.Options
	// Quit ends the app; nil means App.Quit.
	Quit func()
	// ChooseFile asks the user for a file to read, of one of the
	// extensions exts (".p12"), over parent, and calls done with its path
	// unless the user cancels; nil means fyne's file dialog. The editor
	// reads the file itself, with the user's rights.
	ChooseFile func(parent fyne.Window, exts []string, done func(path string))
	// Timeout bounds each request to the helper except connect with wait
	// and the streams; zero means 15 seconds.
	Timeout time.Duration
}
