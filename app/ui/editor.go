package ui

import (
	"context"
	"errors"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/widget"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/app/form"
	"github.com/espressovpn/espresso/app/watch"
	"github.com/espressovpn/espresso/helper/api"
)

// authChoices are the sign-in methods as the editor names them.
var authChoices = []struct{ label, auth string }{
	{"Pre-shared key", api.AuthPSK},
	{"Certificate", api.AuthCert},
	{"User name and password (EAP-MSCHAPv2)", api.AuthEAPMSCHAPv2},
	{"Certificate over EAP (EAP-TLS)", api.AuthEAPTLS},
}

// editor is the window that creates or changes one profile. It checks the
// fields as they are typed and names the field of every problem.
type editor struct {
	u        *UI
	win      fyne.Window
	stored   form.Stored
	entries  map[string]*widget.Entry
	errs     map[string]*widget.Label
	rows     map[string][]fyne.CanvasObject
	auth     *widget.Select
	onDemand *widget.Check
	// autoConnect makes the profile always-on.
	autoConnect *widget.Check
	// killSwitch and blockOutside are the kill switch's settings;
	// blockOutside implies killSwitch, which is then checked and locked.
	killSwitch   *widget.Check
	blockOutside *widget.Check
	save         *widget.Button
	status       *widget.Label
	// credential chooses a PKCS#12 file or a certificate and key;
	// keyData and p12Data are the key and the bundle read from the files
	// the user chose (the entries never show them), notes say which.
	credential *widget.RadioGroup
	keyData    string
	p12Data    string
	notes      map[string]*widget.Label
	// fileErrs are the problems of files chosen but not taken.
	fileErrs form.Problems
	// clear holds the stored secrets the user cleared; storedLines say
	// "Stored" under each stored secret, with its Clear button.
	clear        map[string]bool
	storedLines  map[string]*fyne.Container
	storedLabels map[string]*widget.Label
	clearBtns    map[string]*widget.Button
	fromHelper   form.Problems // the helper's verdict on the last save
	problems     form.Problems
	saving       bool
}

// OpenEditor opens the editor for profile name, or for a new profile when
// name is empty. An editor already open for it comes to the front.
func (u *UI) OpenEditor(name string) fyne.Window {
	if e, ok := u.editors[name]; ok {
		e.win.Show()
		e.win.RequestFocus()
		return e.win
	}
	e := &editor{u: u, entries: map[string]*widget.Entry{}, errs: map[string]*widget.Label{}, rows: map[string][]fyne.CanvasObject{},
		notes: map[string]*widget.Label{}, fileErrs: form.Problems{}, clear: map[string]bool{},
		storedLines: map[string]*fyne.Container{}, storedLabels: map[string]*widget.Label{}, clearBtns: map[string]*widget.Button{}}
	title := "New profile"
	if p, ok := u.profiles[name]; ok && name != "" {
		e.stored = form.Stored{Profile: p}
		title = "Edit " + name
	}
	e.win = u.cfg.App.NewWindow(title + " — Espresso")
	e.build()
	e.win.SetOnClosed(func() { delete(u.editors, name) })
	u.editors[name] = e
	e.win.Resize(fyne.NewSize(620, 720))
	e.win.Show()
	return e.win
}

func (e *editor) build() {
	f := form.FromProfile(e.stored.Profile)
	grid := container.New(layout.NewFormLayout())
	section := func(title string) {
		h := widget.NewLabelWithStyle(title, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		grid.Add(h)
		grid.Add(layout.NewSpacer())
	}
	add := func(key string, w fyne.CanvasObject, more ...fyne.CanvasObject) {
		label := explain.FieldLabel(key)
		if key == fieldCredential {
			label = "Certificate from"
		}
		l := widget.NewLabelWithStyle(label, fyne.TextAlignTrailing, fyne.TextStyle{})
		errLabel := widget.NewLabel("")
		errLabel.Importance = widget.DangerImportance
		errLabel.Wrapping = fyne.TextWrapWord
		errLabel.Hide()
		e.errs[key] = errLabel
		cell := container.NewVBox(append(append([]fyne.CanvasObject{w}, more...), errLabel)...)
		e.rows[key] = []fyne.CanvasObject{l, cell}
		grid.Add(l)
		grid.Add(cell)
	}
	entry := func(key, text, placeholder string, multi, secret bool, more ...fyne.CanvasObject) {
		var w *widget.Entry
		switch {
		case secret && !multi:
			w = widget.NewPasswordEntry()
		case multi:
			w = widget.NewMultiLineEntry()
			w.SetMinRowsVisible(3)
			w.Wrapping = fyne.TextWrapOff
		default:
			w = widget.NewEntry()
		}
		w.SetText(text)
		w.SetPlaceHolder(placeholder)
		w.OnChanged = func(string) { e.changed(key) }
		e.entries[key] = w
		if l := e.storedLine(key); l != nil {
			more = append(more, l)
		}
		add(key, w, more...)
	}
	p := e.stored.Profile
	keep := func(has bool, what string) string {
		if has {
			return "Stored; type to replace the " + what
		}
		return ""
	}

	section("Connection")
	entry(api.FieldName, f.Name, "work", false, false)
	if e.stored.Editing() {
		e.entries[api.FieldName].Disable()
	}
	entry(api.FieldGateway, f.Gateway, "vpn.example.com or 203.0.113.1", false, false)
	entry(api.FieldRemoteID, f.RemoteID, "Same as the gateway", false, false)
	entry(api.FieldLocalID, f.LocalID, "This computer's address", false, false)

	hint := func(text string) *widget.Label {
		l := widget.NewLabel(text)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.LowImportance
		return l
	}

	section("Sign-in")
	labels := make([]string, len(authChoices))
	for i, c := range authChoices {
		labels[i] = c.label
	}
	e.auth = widget.NewSelect(labels, func(string) { e.changed(api.FieldAuth) })
	add(api.FieldAuth, e.auth)
	entry(api.FieldPSK, "", keep(p.HasPSK, "key"), false, true)
	entry(api.FieldUsername, f.Username, "alice", false, false)
	pwHint := "Leave empty to be asked when connecting"
	if p.HasPassword {
		pwHint = keep(true, "password")
	}
	entry(api.FieldPassword, "", pwHint, false, true)
	add(fieldCredential, e.credentialChoice(f.UseP12, hint))
	add(api.FieldP12, e.p12Cell())
	entry(api.FieldP12Password, "", keep(p.HasP12Password, "password"), false, true)
	entry(api.FieldCert, f.Cert, "PEM text, the path of the certificate file, or choose the file", true, false, container.NewHBox(e.fileButton(api.FieldCert)))
	keyHint := "PEM text, the path of the key file, or choose the file"
	if p.HasKey {
		keyHint = keep(true, "key")
	}
	keyNote := widget.NewLabel("")
	keyNote.Hide()
	e.notes[api.FieldKey] = keyNote
	entry(api.FieldKey, "", keyHint, true, false, container.NewHBox(e.fileButton(api.FieldKey), keyNote))
	e.entries[api.FieldKey].OnChanged = func(text string) {
		if text != "" { // typing replaces a chosen file
			e.keyData = ""
			keyNote.Hide()
		}
		e.changed(api.FieldKey)
	}
	entry(api.FieldCA, f.CA, "PEM text or path, or choose the file; empty trusts the system's CAs", true, false, container.NewHBox(e.fileButton(api.FieldCA)))

	section("Routing")
	entry(api.FieldRemoteTS, f.RemoteTS, "Everything (0.0.0.0/0 and ::/0); or one network a line", true, false)
	entry(api.FieldExclude, f.Exclude, "One network a line, e.g. 192.168.0.0/16", true, false)
	entry(api.FieldDNS, f.DNS, "The gateway's", false, false)
	entry(api.FieldDNSDomains, f.DNSDomains, "The gateway's; or one domain a line, e.g. corp.example, added to them", true, false)
	entry(api.FieldMTU, f.MTU, "1400", false, false)
	e.onDemand = widget.NewCheck("Connect when traffic for the VPN appears", func(bool) { e.changed(api.FieldOnDemand) })
	e.onDemand.Checked = f.OnDemand
	add(api.FieldOnDemand, e.onDemand)

	section("Kill switch")
	e.killSwitch = widget.NewCheck("Block traffic for the VPN while the tunnel is down", func(bool) { e.changed(api.FieldKillSwitch) })
	e.killSwitch.Checked = f.KillSwitch
	add(api.FieldKillSwitch, container.NewVBox(e.killSwitch, hint(form.KillSwitchHint)))
	e.blockOutside = widget.NewCheck("Block everything outside the tunnel", func(bool) { e.changed(api.FieldBlockOutside) })
	e.blockOutside.Checked = f.BlockOutside
	add(api.FieldBlockOutside, container.NewVBox(e.blockOutside, hint(form.BlockOutsideHint)))

	section("Always-on")
	e.autoConnect = widget.NewCheck("Connect automatically", func(bool) { e.changed(api.FieldAutoConnect) })
	e.autoConnect.Checked = f.AutoConnect
	add(api.FieldAutoConnect, container.NewVBox(e.autoConnect, hint(form.AutoConnectHint)))
	trusted := widget.NewMultiLineEntry()
	trusted.SetMinRowsVisible(3)
	trusted.Wrapping = fyne.TextWrapOff
	trusted.SetText(f.TrustedNetworks)
	trusted.SetPlaceHolder("None; or one a line, e.g. dns-suffix:corp.example")
	trusted.OnChanged = func(string) { e.changed(api.FieldTrustedNetworks) }
	e.entries[api.FieldTrustedNetworks] = trusted
	add(api.FieldTrustedNetworks, container.NewVBox(trusted, hint(form.TrustedNetworksHint)))

	section("Proposals")
	entry(api.FieldIKEProposals, f.IKEProposals, form.DefaultProposals(false), true, false)
	entry(api.FieldESPProposals, f.ESPProposals, form.DefaultProposals(true), true, false)

	for _, c := range authChoices {
		if c.auth == f.Auth {
			e.auth.SetSelected(c.label)
		}
	}
	e.status = widget.NewLabel("")
	e.status.Wrapping = fyne.TextWrapWord
	e.save = widget.NewButton("Save", e.submit)
	e.save.Importance = widget.HighImportance
	cancel := widget.NewButton("Cancel", func() { e.win.Close() })
	bottom := container.NewBorder(widget.NewSeparator(), nil, nil, container.NewHBox(cancel, e.save), e.status)
	e.win.SetContent(container.NewBorder(nil, container.NewPadded(bottom), nil, nil,
		container.NewVScroll(container.NewPadded(grid))))
	e.changed("")
}

// values reads the form as typed.
func (e *editor) values() form.Form {
	t := func(k string) string { return e.entries[k].Text }
	f := form.Form{
		Name: t(api.FieldName), Gateway: t(api.FieldGateway), RemoteID: t(api.FieldRemoteID), LocalID: t(api.FieldLocalID),
		PSK: t(api.FieldPSK), Key: t(api.FieldKey), Password: t(api.FieldPassword), Cert: t(api.FieldCert), CA: t(api.FieldCA), Username: t(api.FieldUsername),
		IKEProposals: t(api.FieldIKEProposals), ESPProposals: t(api.FieldESPProposals),
		RemoteTS: t(api.FieldRemoteTS), Exclude: t(api.FieldExclude), DNS: t(api.FieldDNS), DNSDomains: t(api.FieldDNSDomains), MTU: t(api.FieldMTU),
		OnDemand: e.onDemand.Checked, KillSwitch: e.killSwitch.Checked, BlockOutside: e.blockOutside.Checked,
		AutoConnect: e.autoConnect.Checked, TrustedNetworks: t(api.FieldTrustedNetworks),
		UseP12: e.credential.Selected == credP12, P12: e.p12Data, P12Password: t(api.FieldP12Password),
		Clear: map[string]bool{},
	}
	if f.Key == "" {
		f.Key = e.keyData
	}
	for k, v := range e.clear {
		f.Clear[k] = v
	}
	for _, c := range authChoices {
		if c.label == e.auth.Selected {
			f.Auth = c.auth
		}
	}
	return f
}

// changed runs the checks after an edit of field key and shows the result.
func (e *editor) changed(key string) {
	if e.save == nil {
		return // still building
	}
	delete(e.fromHelper, key)
	delete(e.fileErrs, key)
	// block_outside implies the kill switch (as the helper reads it), so
	// the kill switch is on and cannot be turned off while it is set.
	if e.blockOutside.Checked {
		e.killSwitch.SetChecked(true)
		e.killSwitch.Disable()
	} else {
		e.killSwitch.Enable()
	}
	f := e.values()
	usesCert := f.Auth == api.AuthCert || f.Auth == api.AuthEAPTLS
	shown := map[string]bool{
		api.FieldPSK:      f.Auth == api.AuthPSK,
		api.FieldUsername: f.Auth == api.AuthEAPMSCHAPv2, api.FieldPassword: f.Auth == api.AuthEAPMSCHAPv2,
		fieldCredential: usesCert,
		api.FieldP12:    usesCert && f.UseP12, api.FieldP12Password: usesCert && f.UseP12,
		api.FieldCert: usesCert && !f.UseP12, api.FieldKey: usesCert && !f.UseP12,
	}
	for k, rows := range e.rows {
		show, ok := shown[k]
		for _, o := range rows {
			if show || !ok {
				o.Show()
			} else {
				o.Hide()
			}
		}
	}
	e.refreshStored(f)
	e.problems = form.Check(f, e.stored)
	// A file that was not taken says more than the empty field it left.
	for k, msg := range e.fileErrs {
		e.problems[k] = msg
	}
	for k, msg := range e.fromHelper {
		if _, ok := e.problems[k]; !ok {
			e.problems[k] = msg
		}
	}
	for k, l := range e.errs {
		if msg, ok := e.problems[k]; ok {
			l.SetText(msg)
			l.Show()
		} else {
			l.Hide()
		}
	}
	e.linkChanged()
}

// linkChanged enables Save when the form is valid and the helper can take
// it, and says why not otherwise.
func (e *editor) linkChanged() {
	switch {
	case e.saving:
		e.save.Disable()
		e.status.SetText("Saving…")
	case e.u.link != watch.LinkUp:
		e.save.Disable()
		e.status.SetText("The Espresso helper is not running; the profile can be saved once it is.")
	case len(e.problems) > 0:
		e.save.Disable()
		e.status.SetText(e.firstProblem())
	default:
		e.save.Enable()
		e.status.SetText("")
	}
}

// firstProblem is the problem of the topmost field, for the status line.
func (e *editor) firstProblem() string {
	for _, k := range []string{api.FieldName, api.FieldGateway, api.FieldRemoteID, api.FieldLocalID, api.FieldAuth, api.FieldPSK, api.FieldUsername, api.FieldPassword, api.FieldP12, api.FieldP12Password, api.FieldCert, api.FieldKey, api.FieldCA,
		api.FieldRemoteTS, api.FieldExclude, api.FieldDNS, api.FieldDNSDomains, api.FieldMTU, api.FieldOnDemand, api.FieldKillSwitch, api.FieldBlockOutside, api.FieldAutoConnect, api.FieldTrustedNetworks, api.FieldIKEProposals, api.FieldESPProposals} {
		if msg, ok := e.problems[k]; ok {
			return msg
		}
	}
	for _, msg := range e.problems {
		return msg
	}
	return ""
}

// submit sends the profile to the helper.
func (e *editor) submit() {
	if len(e.problems) > 0 || e.saving {
		return
	}
	u := e.u
	p := e.values().Profile(e.stored)
	editing := e.stored.Editing()
	e.saving = true
	e.linkChanged()
	var out api.Profile
	u.call(func(ctx context.Context) (err error) {
		// Files the user named are read here, with the user's rights.
		if err := form.Inline(&p, e.stored, form.ReadFile); err != nil {
			return err
		}
		if editing {
			out, err = u.cfg.Helper.UpdateProfile(ctx, p)
		} else {
			out, err = u.cfg.Helper.CreateProfile(ctx, p, false)
		}
		return err
	}, func(err error) {
		e.saving = false
		var ae *api.Error
		switch {
		case err == nil:
			u.profiles[out.Name] = out
			u.selected = out.Name
			e.win.Close()
			u.render()
			return
		case errors.As(err, &ae) && ae.Code == api.CodeInvalidProfile && ae.Field != "":
			if e.fromHelper == nil {
				e.fromHelper = form.Problems{}
			}
			e.fromHelper[form.Key(ae.Field)] = explain.Error(err, nil).Problem
			e.changed("")
			return
		}
		e.linkChanged()
		e.status.SetText(explain.Error(err, &p).String())
	})
}
