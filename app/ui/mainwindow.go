package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/espressovpn/espresso/app/internal/icons"
	"github.com/espressovpn/espresso/app/watch"
	"github.com/espressovpn/espresso/helper/api"
)

// mainView is the main window's content: a header with the actions that
// do not depend on a selection, the banner, the profile list and the
// selected connection's details.
type mainView struct {
	u       *UI
	root    *fyne.Container
	banner  *banner
	list    *widget.List
	details *details
	empty   *fyne.Container // shown instead of list and details without profiles
	split   *container.Split
	body    *fyne.Container

	addBtn, importBtn, logBtn *widget.Button
}

func newMainView(u *UI) *mainView {
	m := &mainView{u: u}
	m.banner = newBanner(u)
	m.details = newDetails(u)
	m.list = widget.NewList(
		func() int { return len(u.conns) },
		newListRow,
		func(i widget.ListItemID, o fyne.CanvasObject) {
			if i < len(u.conns) {
				updateListRow(o, u.conns[i])
			}
		})
	m.list.OnSelected = func(i widget.ListItemID) {
		if i < len(u.conns) && u.selected != u.conns[i].Name {
			u.selected = u.conns[i].Name
			m.details.refresh()
		}
	}

	m.addBtn = widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), func() { u.OpenEditor("") })
	m.importBtn = widget.NewButtonWithIcon("Import…", theme.FolderOpenIcon(), u.showImportDialog)
	m.logBtn = widget.NewButtonWithIcon("Log", theme.ListIcon(), u.ShowLog)
	for _, b := range []*widget.Button{m.addBtn, m.importBtn, m.logBtn} {
		b.Importance = widget.LowImportance
	}

	logo := canvas.NewImageFromResource(icons.App)
	logo.FillMode = canvas.ImageFillContain
	logo.SetMinSize(fyne.NewSize(28, 28))
	title := canvas.NewText("Espresso", theme.Color(theme.ColorNameForeground))
	title.TextSize = 20
	title.TextStyle = fyne.TextStyle{Bold: true}
	header := container.NewBorder(nil, nil,
		container.NewHBox(logo, title),
		container.NewHBox(m.addBtn, m.importBtn, m.logBtn))

	listTitle := widget.NewLabelWithStyle("Profiles", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	listPane := container.NewBorder(listTitle, nil, nil, nil, m.list)
	m.split = container.NewHSplit(listPane, container.NewPadded(m.details.root))
	m.split.Offset = 0.32

	emptyTitle := widget.NewLabelWithStyle("No VPN profiles yet", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	emptyText := widget.NewLabelWithStyle("Add one by hand, or import a file from your administrator\n(an Espresso profile or a strongSwan .sswan file).", fyne.TextAlignCenter, fyne.TextStyle{})
	addFirst := widget.NewButtonWithIcon("Add a profile", theme.ContentAddIcon(), func() { u.OpenEditor("") })
	addFirst.Importance = widget.HighImportance
	importFirst := widget.NewButtonWithIcon("Import a file…", theme.FolderOpenIcon(), u.showImportDialog)
	m.empty = container.NewCenter(container.NewVBox(emptyTitle, emptyText, container.NewCenter(container.NewHBox(addFirst, importFirst))))

	m.body = container.NewStack(m.split, m.empty)
	m.root = container.NewBorder(
		container.NewVBox(container.NewPadded(header), widget.NewSeparator(), m.banner.root),
		nil, nil, nil, m.body)
	m.refresh()
	return m
}

// refresh redraws the list, the selection, the details and the banner.
func (m *mainView) refresh() {
	u := m.u
	m.banner.refresh()
	noProfiles := u.started && len(u.conns) == 0 && u.link == watch.LinkUp
	if noProfiles {
		m.split.Hide()
		m.empty.Show()
	} else {
		m.empty.Hide()
		m.split.Show()
	}
	m.list.Refresh()
	for i, c := range u.conns {
		if c.Name == u.selected {
			m.list.Select(i)
		}
	}
	if u.selected == "" {
		m.list.UnselectAll()
	}
	m.details.refresh()
}

// newListRow builds one row of the profile list: a state dot, the name
// over the gateway, the state on the right.
func newListRow() fyne.CanvasObject {
	dot := canvas.NewCircle(stateColor(api.StateDisconnected))
	name := widget.NewLabelWithStyle("profile", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	gw := canvas.NewText("gateway", theme.Color(theme.ColorNamePlaceHolder))
	gw.TextSize = theme.CaptionTextSize()
	state := canvas.NewText("Disconnected", stateColor(api.StateDisconnected))
	state.TextSize = theme.CaptionTextSize()
	text := container.New(layout.NewCustomPaddedVBoxLayout(-6), name, container.NewPadded(gw))
	return container.NewBorder(nil, nil,
		container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), dot)),
		container.NewCenter(state), text)
}

func updateListRow(o fyne.CanvasObject, c api.ConnectionStatus) {
	row := o.(*fyne.Container)
	text := row.Objects[0].(*fyne.Container)
	dot := row.Objects[1].(*fyne.Container).Objects[0].(*fyne.Container).Objects[0].(*canvas.Circle)
	state := row.Objects[2].(*fyne.Container).Objects[0].(*canvas.Text)
	text.Objects[0].(*widget.Label).SetText(c.Name)
	gw := text.Objects[1].(*fyne.Container).Objects[0].(*canvas.Text)
	gw.Text = c.Gateway
	gw.Refresh()
	dot.FillColor = stateColor(c.State)
	dot.Refresh()
	state.Text = stateText(c.State)
	state.Color = stateColor(c.State)
	state.Refresh()
}
