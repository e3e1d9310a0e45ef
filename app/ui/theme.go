package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// Colours of the connection states and the brand, shared by the list, the
// details and the graph. The brand colour is the roast of the app icon.
var (
	colorConnected    = color.NRGBA{R: 0x2e, G: 0x9e, B: 0x5b, A: 0xff}
	colorConnecting   = color.NRGBA{R: 0xe0, G: 0x9a, B: 0x1a, A: 0xff}
	colorFailed       = color.NRGBA{R: 0xd0, G: 0x3b, B: 0x3b, A: 0xff}
	colorDisconnected = color.NRGBA{R: 0x9a, G: 0x92, B: 0x8c, A: 0xff}
	colorBrand        = color.NRGBA{R: 0x8a, G: 0x56, B: 0x2c, A: 0xff}
	colorGraphIn      = color.NRGBA{R: 0x2e, G: 0x9e, B: 0x5b, A: 0xff}
	colorGraphOut     = color.NRGBA{R: 0xc8, G: 0x86, B: 0x4a, A: 0xff}
)

// espressoTheme is fyne's default theme with the brand colour as primary,
// so buttons, focus and selection match the icon.
type espressoTheme struct{ fyne.Theme }

// Theme returns the app's theme.
func Theme() fyne.Theme { return espressoTheme{theme.DefaultTheme()} }

// Color overrides the primary colour and its derivatives.
func (t espressoTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	switch n {
	case theme.ColorNamePrimary, theme.ColorNameHyperlink, theme.ColorNameFocus:
		if n == theme.ColorNameFocus {
			return color.NRGBA{R: colorBrand.R, G: colorBrand.G, B: colorBrand.B, A: 0x7f}
		}
		return colorBrand
	case theme.ColorNameSelection:
		return color.NRGBA{R: colorBrand.R, G: colorBrand.G, B: colorBrand.B, A: 0x40}
	case theme.ColorNameSuccess:
		return colorConnected
	}
	return t.Theme.Color(n, v)
}

// colorWithAlpha returns the colour of 16-bit components r, g, b with
// alpha a, for tinted backgrounds.
func colorWithAlpha(r, g, b uint32, a uint8) color.Color {
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}
