package main

import (
	"context"
	"image"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestThemeScreenshotsUnderXvfb takes the main window, connected with its
// details, and the editor in fyne's dark and light variants (FYNE_THEME)
// against the fake helper, into build/screenshots/dark/ and light/, for a
// reader to judge; the contrast of every colour pair is computed by
// app/ui's TestThemeContrastWCAGAA. It checks that each variant was drawn
// as asked: a dark background with light text, and the reverse.
func TestThemeScreenshotsUnderXvfb(t *testing.T) {
	xvfb := requireX(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	bin := appBinary(t)
	fake := startFake(t)
	display := startXvfb(t, ctx, xvfb)
	base := filepath.Dir(screenshotDir(t))
	for _, variant := range []string{"dark", "light"} {
		outDir := filepath.Join(base, "screenshots", variant)
		for _, f := range []string{shotMain, shotEditor, shotMainText, shotEditorText} {
			os.Remove(filepath.Join(outDir, f))
		}
		runApp(t, ctx, display, outDir, []string{bin, "--socket", fake.Socket()}, "FYNE_THEME="+variant)
		text := readLines(t, filepath.Join(outDir, shotMainText))
		for _, want := range []string{"work", "Connected", "Gateway", "Virtual IP"} {
			if !slices.Contains(text, want) {
				t.Errorf("%s: the main window did not show %q:\n%s", variant, want, strings.Join(text, "\n"))
			}
		}
		img := readPNG(t, filepath.Join(outDir, shotMain))
		bg := meanLuminance(img)
		if (variant == "dark") != (bg < 0.3) {
			t.Errorf("%s: the main window's mean luminance is %.2f", variant, bg)
		}
		t.Logf("%s screenshots in %s", variant, outDir)
	}
}

// meanLuminance is the mean of the pixels' luminance, 0 to 1 (a rough
// one: it only tells a dark window from a light one).
func meanLuminance(img image.Image) float64 {
	b := img.Bounds()
	var sum float64
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			sum += (0.2126*float64(r) + 0.7152*float64(g) + 0.0722*float64(bl)) / 0xffff
		}
	}
	return sum / float64(b.Dx()*b.Dy())
}
