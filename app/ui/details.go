package ui

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/app/traffic"
	"github.com/espressovpn/espresso/helper/api"
)

// Rows of the details panel, in the order shown.
const (
	rowGateway    = "Gateway"
	rowVirtualIPs = "Virtual IP"
	rowDNS        = "DNS"
	rowUptime     = "Connected for"
	rowReceived   = "Received"
	rowSent       = "Sent"
	rowNetworks   = "Networks"
	rowIKE        = "IKE proposal"
	rowESP        = "ESP proposal"
	rowKE         = "Key exchange"
	rowNAT        = "NAT"
	rowReconnect  = "Reconnecting"
	rowLastError  = "Last error"
	rowAlwaysOn   = "Always-on"
)

var detailRows = []string{rowGateway, rowAlwaysOn, rowReconnect, rowVirtualIPs, rowDNS, rowUptime, rowReceived, rowSent, rowNetworks, rowIKE, rowKE, rowESP, rowNAT, rowLastError}

// details shows the selected connection: its name and state, the
// Connect/Disconnect button, and while connected what the tunnel is made
// of and carries.
type details struct {
	u          *UI
	root       *fyne.Container
	content    *fyne.Container
	none       *widget.Label
	name       *canvas.Text
	dot        *canvas.Circle
	state      *canvas.Text
	connectBtn *widget.Button
	editBtn    *widget.Button
	removeBtn  *widget.Button
	keys       map[string]*widget.Label
	values     map[string]*widget.Label
	graph      *graph
	graphBox   *fyne.Container
}

func newDetails(u *UI) *details {
	d := &details{u: u, keys: map[string]*widget.Label{}, values: map[string]*widget.Label{}}
	d.name = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	d.name.TextSize = 24
	d.name.TextStyle = fyne.TextStyle{Bold: true}
	d.dot = canvas.NewCircle(stateColor(api.StateDisconnected))
	d.state = canvas.NewText("", stateColor(api.StateDisconnected))
	d.state.TextStyle = fyne.TextStyle{Bold: true}
	d.connectBtn = widget.NewButtonWithIcon("Connect", theme.MediaPlayIcon(), u.toggleSelected)
	d.connectBtn.Importance = widget.HighImportance
	d.editBtn = widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() { u.OpenEditor(u.selected) })
	d.removeBtn = widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() { u.confirmRemove(u.selected) })

	grid := container.New(layout.NewFormLayout())
	for _, r := range detailRows {
		k := widget.NewLabelWithStyle(r, fyne.TextAlignTrailing, fyne.TextStyle{})
		k.Importance = widget.LowImportance
		v := widget.NewLabel("")
		v.Wrapping = fyne.TextWrapWord
		v.Selectable = true
		d.keys[r], d.values[r] = k, v
		grid.Add(k)
		grid.Add(v)
	}
	d.graph = newGraph()
	graphTitle := widget.NewLabelWithStyle("Throughput, last 5 minutes", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	d.graphBox = container.NewBorder(graphTitle, nil, nil, nil, d.graph)

	badge := container.NewHBox(container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), d.dot)), d.state)
	head := container.NewBorder(nil, nil, nil, container.NewCenter(badge), d.name)
	buttons := container.NewHBox(d.connectBtn, layout.NewSpacer(), d.editBtn, d.removeBtn)
	d.content = container.NewBorder(
		container.NewVBox(head, buttons, widget.NewSeparator()), nil, nil, nil,
		container.NewVScroll(container.NewVBox(grid, d.graphBox)))
	d.none = widget.NewLabelWithStyle("Select a profile on the left.", fyne.TextAlignCenter, fyne.TextStyle{Italic: true})
	d.root = container.NewStack(d.content, container.NewCenter(d.none))
	return d
}

// refresh shows the selected connection as it is now.
func (d *details) refresh() {
	u := d.u
	c, ok := u.conn(u.selected)
	if !ok {
		d.content.Hide()
		d.none.Show()
		return
	}
	d.none.Hide()
	d.content.Show()
	d.name.Text = c.Name
	d.name.Color = theme.Color(theme.ColorNameForeground)
	d.name.Refresh()
	d.dot.FillColor = stateColor(c.State)
	d.dot.Refresh()
	d.state.Text = stateText(c.State)
	d.state.Color = stateColor(c.State)
	d.state.Refresh()

	if active(c.State) {
		d.connectBtn.SetText("Disconnect")
		d.connectBtn.SetIcon(theme.MediaStopIcon())
		d.connectBtn.Importance = widget.MediumImportance
	} else {
		d.connectBtn.SetText("Connect")
		d.connectBtn.SetIcon(theme.MediaPlayIcon())
		d.connectBtn.Importance = widget.HighImportance
	}
	d.connectBtn.Refresh()
	if active(c.State) {
		d.removeBtn.Disable()
	} else {
		d.removeBtn.Enable()
	}

	up := c.State == api.StateConnected
	d.set(rowGateway, c.Gateway, true)
	// Why an always-on connection is down (a trusted network, the user's
	// Disconnect), or that the helper keeps it up.
	d.set(rowAlwaysOn, alwaysOnText(c), c.AlwaysOn)
	d.set(rowReconnect, reconnectText(c, u.profileOf(c.Name), u.cfg.Now()), c.State == api.StateReconnecting)
	d.set(rowVirtualIPs, strings.Join(c.VirtualIPs, ", "), up)
	d.set(rowDNS, dnsText(c), up)
	uptime := ""
	if c.EstablishedAt != nil {
		uptime = traffic.Duration(u.cfg.Now().Sub(*c.EstablishedAt))
	}
	d.set(rowUptime, uptime, up)
	d.set(rowReceived, fmt.Sprintf("%s in %d packets", traffic.Bytes(c.BytesIn), c.PacketsIn), up)
	d.set(rowSent, fmt.Sprintf("%s in %d packets", traffic.Bytes(c.BytesOut), c.PacketsOut), up)
	d.set(rowNetworks, strings.Join(c.RemoteTS, ", "), up)
	d.set(rowIKE, c.IKEProposal, up)
	d.set(rowKE, c.KeyExchanges, up)
	d.set(rowESP, c.ESPProposal, up)
	d.set(rowNAT, natText(c), up)
	// While connected it is a problem that left the tunnel up, such as a
	// failed rekey.
	d.set(rowLastError, c.LastError, c.State == api.StateFailed || up)

	if up {
		var samples []traffic.Sample
		if h := u.history[c.Name]; h != nil {
			samples = h.Samples(u.cfg.Now())
		}
		d.graph.set(samples, u.cfg.Now(), graphWindow)
		d.graphBox.Show()
	} else {
		d.graphBox.Hide()
	}
}

// set shows row r with value v, or hides it.
func (d *details) set(r, v string, show bool) {
	if !show || v == "" {
		d.keys[r].Hide()
		d.values[r].Hide()
		return
	}
	d.values[r].SetText(v)
	d.keys[r].Show()
	d.values[r].Show()
}

// Value returns the text of a details row as shown, empty if hidden; for
// tests and the screenshot check.
func (d *details) Value(row string) string {
	if !d.values[row].Visible() {
		return ""
	}
	return d.values[row].Text
}

// reconnectText says where a reconnection stands and why it is needed:
// "Attempt 3 in 8s: Nothing answers IKE at vpn.example.com:500". The
// wait counts down with the details' refresh.
func reconnectText(c api.ConnectionStatus, p *api.Profile, now time.Time) string {
	why := ""
	if c.LastError != "" || c.ErrorCode != "" || (c.Reconnect != nil && c.Reconnect.Reason != "") {
		why = explain.Status(c, p).Problem
	}
	prog := explain.Progress(c.Reconnect, now)
	switch {
	case prog == "":
		return why
	case why == "":
		return upperFirst(prog)
	}
	return upperFirst(prog) + ": " + why
}

// upperFirst capitalises the first letter of s.
func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}

func natText(c api.ConnectionStatus) string {
	enc := "ESP in UDP"
	if c.Encapsulation == api.EncapsulationRaw {
		enc = "plain ESP"
	}
	if c.NATDetected {
		return "Detected; " + enc + " with keepalives"
	}
	return "None detected; " + enc
}

// Shown returns the profile and the state the details panel shows, as
// written on screen; the screenshot check reads it.
func (u *UI) Shown() (profile, state string) {
	d := u.main.details
	if !d.content.Visible() {
		return "", ""
	}
	return d.name.Text, d.state.Text
}

// alwaysOnText says what keeps an always-on connection down, if anything.
func alwaysOnText(c api.ConnectionStatus) string {
	if c.Standby != "" {
		return "Down: " + c.Standby
	}
	return "Kept connected by the helper"
}

// dnsText names the tunnel's name servers and, with split DNS, the
// domains whose names they answer.
func dnsText(c api.ConnectionStatus) string {
	s := strings.Join(c.DNS, ", ")
	if s != "" && len(c.DNSDomains) > 0 {
		s += " for " + strings.Join(c.DNSDomains, ", ")
	}
	return s
}
