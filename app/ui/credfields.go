package ui

import (
	"fmt"
	"path/filepath"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/espressovpn/espresso/app/explain"
	"github.com/espressovpn/espresso/app/form"
	"github.com/espressovpn/espresso/helper/api"
)

// The editor's two ways of giving a certificate, and the sentence that
// explains each.
const (
	credP12      = "One PKCS#12 file (.p12 or .pfx)"
	credPair     = "Certificate and key files"
	credP12Hint  = "Choose a PKCS#12 file if your administrator gave you one .p12 or .pfx file: it holds your certificate and its private key together, locked with a password."
	credPairHint = "Choose certificate and key files if you were given them separately, usually a .crt or .pem and a .key file, in PEM or DER form."
)

// fieldCredential is the editor's row for the choice between the two; it
// is not a profile key.
const fieldCredential = "credential"

// fileExts are the extensions the file dialog offers for each field.
var fileExts = map[string][]string{
	api.FieldCert: {".pem", ".crt", ".cer", ".der"},
	api.FieldKey:  {".pem", ".key", ".der"},
	api.FieldCA:   {".pem", ".crt", ".cer", ".der"},
	api.FieldP12:  {".p12", ".pfx"},
}

// chooseFile is Config.ChooseFile's default: fyne's file dialog. Only
// local files have a path to read.
func chooseFile(parent fyne.Window, exts []string, done func(path string)) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return // the dialog reports its own errors; nil is a cancel
		}
		u := r.URI()
		r.Close()
		if u.Scheme() == "file" {
			done(u.Path())
		}
	}, parent)
	if len(exts) > 0 {
		d.SetFilter(storage.NewExtensionFileFilter(exts))
	}
	d.Resize(fyne.NewSize(580, 440))
	d.Show()
}

// storedHas reports whether the stored profile holds secret field.
func (e *editor) storedHas(field string) bool {
	p := e.stored.Profile
	switch field {
	case api.FieldPSK:
		return p.HasPSK
	case api.FieldPassword:
		return p.HasPassword
	case api.FieldKey:
		return p.HasKey || p.KeyFile != ""
	case api.FieldP12:
		return p.HasP12 || p.P12File != ""
	case api.FieldP12Password:
		return p.HasP12Password
	}
	return false
}

// storedLine is the "Stored" line under a secret the helper holds, with
// a button that clears it (and one that undoes that); nil when nothing
// is stored.
func (e *editor) storedLine(field string) fyne.CanvasObject {
	if !e.storedHas(field) {
		return nil
	}
	l := widget.NewLabel("Stored")
	btn := widget.NewButton("Clear", func() {
		e.clear[field] = !e.clear[field]
		e.changed(field)
	})
	e.storedLabels[field], e.clearBtns[field] = l, btn
	line := container.NewHBox(l, btn)
	e.storedLines[field] = line
	return line
}

// refreshStored shows each secret's line as the form now stands: stored,
// replaced by what was typed or chosen, or cleared.
func (e *editor) refreshStored(f form.Form) {
	for field, l := range e.storedLabels {
		btn := e.clearBtns[field]
		replaced := false
		switch field {
		case api.FieldPSK:
			replaced = f.PSK != ""
		case api.FieldPassword:
			replaced = f.Password != ""
		case api.FieldKey:
			replaced = f.Key != ""
		case api.FieldP12:
			replaced = f.P12 != ""
		case api.FieldP12Password:
			// A new bundle comes with its own password.
			replaced = f.P12Password != "" || f.P12 != ""
		}
		switch {
		case replaced:
			e.storedLines[field].Hide()
			continue
		case e.clear[field]:
			l.SetText("Cleared: removed when you save")
			btn.SetText("Keep")
		default:
			l.SetText("Stored")
			btn.SetText("Clear")
		}
		e.storedLines[field].Show()
	}
}

// fileButton is a field's "Choose file…" button.
func (e *editor) fileButton(field string) *widget.Button {
	return widget.NewButton("Choose file…", func() {
		e.u.cfg.ChooseFile(e.win, fileExts[field], func(path string) { e.fileChosen(field, path) })
	})
}

// fileChosen reads the file the user chose for field, with the user's
// rights, checks it and puts it in the form. A file that cannot be read
// or is not what the field takes leaves the field as it was and says so
// under it.
func (e *editor) fileChosen(field, path string) {
	b, err := form.ReadFile(path)
	var v string
	if err != nil {
		err = fmt.Errorf("%s: %w", explain.FieldLabel(field), err)
	} else {
		v, err = form.Material(field, b, e.entries[api.FieldP12Password].Text)
		clear(b)
	}
	if err != nil {
		e.fileErrs[field] = err.Error()
		e.changed("")
		return
	}
	delete(e.fileErrs, field)
	delete(e.clear, field)
	name := filepath.Base(path)
	switch field {
	case api.FieldKey:
		// The key stays out of sight, as a stored one does.
		e.keyData = v
		e.entries[api.FieldKey].SetText("")
		e.notes[field].SetText("Read from " + name)
		e.notes[field].Show()
	case api.FieldP12:
		e.p12Data = v
		e.notes[field].SetText("Read from " + name)
		e.notes[field].Show()
	default:
		e.entries[field].SetText(v)
	}
	e.changed(field)
}

// p12Cell is the PKCS#12 row: what is chosen or stored, and the buttons.
func (e *editor) p12Cell() fyne.CanvasObject {
	note := widget.NewLabel("No file chosen")
	e.notes[api.FieldP12] = note
	if e.storedHas(api.FieldP12) {
		note.Hide()
	}
	box := container.NewVBox(container.NewHBox(e.fileButton(api.FieldP12), note))
	if l := e.storedLine(api.FieldP12); l != nil {
		box.Add(l)
	}
	return box
}

// credentialChoice is the row that chooses between a PKCS#12 file and a
// certificate and key, each explained in a sentence.
func (e *editor) credentialChoice(useP12 bool, hint func(string) *widget.Label) fyne.CanvasObject {
	e.credential = widget.NewRadioGroup([]string{credP12, credPair}, func(string) { e.changed(fieldCredential) })
	e.credential.Required = true
	if useP12 {
		e.credential.Selected = credP12
	} else {
		e.credential.Selected = credPair
	}
	return container.NewVBox(e.credential, hint(credP12Hint), hint(credPairHint))
}
