package icons

import (
	"bytes"
	"image/png"
	"os"
	"path/filepath"
	"testing"
)

// The embedded copies must be the icons in assets/, which gen_icons.go
// draws; a changed asset needs copying here.
func TestCopiesMatchAssets(t *testing.T) {
	for _, r := range []struct {
		name string
		data []byte
	}{{"icon.png", appIcon}, {"tray-disconnected.png", trayDisconnected}, {"tray-connecting.png", trayConnecting}, {"tray-connected.png", trayConnected}} {
		want, err := os.ReadFile(filepath.Join("..", "..", "..", "assets", r.name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(r.data, want) {
			t.Errorf("%s differs from assets/%s: copy it again", r.name, r.name)
		}
		if _, err := png.Decode(bytes.NewReader(r.data)); err != nil {
			t.Errorf("%s: %v", r.name, err)
		}
	}
	if App.Name() != "icon.png" || len(TrayConnected.Content()) == 0 {
		t.Error("resources not set up")
	}
}
