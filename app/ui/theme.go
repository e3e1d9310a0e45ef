package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"
)

// The brand colour is the roast of the app icon; the graph draws in
// green and the brand's crema.
var (
	colorBrand    = color.NRGBA{R: 0x8a, G: 0x56, B: 0x2c, A: 0xff}
	colorGraphIn  = color.NRGBA{R: 0x2e, G: 0x9e, B: 0x5b, A: 0xff}
	colorGraphOut = color.NRGBA{R: 0xb0, G: 0x70, B: 0x3a, A: 0xff}
)

// palette holds the colours the app draws text in, for one theme
// variant. Each meets WCAG AA (4.5:1) on the backgrounds it is drawn on,
// which contrast_test.go computes for both variants.
type palette struct {
	// foreground is the values' text, disabled the labels' (fyne draws
	// low-importance labels in it) and that of inactive widgets.
	foreground, disabled, placeholder color.NRGBA
	errorText, warning, success       color.NRGBA
	hyperlink                         color.NRGBA
	// The connection states' badge and dot.
	connected, connecting, failed, disconnected color.NRGBA
}

var (
	paletteDark = palette{
		foreground:   color.NRGBA{R: 0xf3, G: 0xf3, B: 0xf3, A: 0xff},
		disabled:     color.NRGBA{R: 0xa4, G: 0xa4, B: 0xa8, A: 0xff},
		placeholder:  color.NRGBA{R: 0xb2, G: 0xb2, B: 0xb2, A: 0xff},
		errorText:    color.NRGBA{R: 0xff, G: 0x6b, B: 0x5e, A: 0xff},
		warning:      color.NRGBA{R: 0xff, G: 0x98, B: 0x00, A: 0xff},
		success:      color.NRGBA{R: 0x3a, G: 0xae, B: 0x68, A: 0xff},
		hyperlink:    color.NRGBA{R: 0xd8, G: 0x96, B: 0x5c, A: 0xff},
		connected:    color.NRGBA{R: 0x3a, G: 0xae, B: 0x68, A: 0xff},
		connecting:   color.NRGBA{R: 0xe0, G: 0x9a, B: 0x1a, A: 0xff},
		failed:       color.NRGBA{R: 0xff, G: 0x6b, B: 0x5e, A: 0xff},
		disconnected: color.NRGBA{R: 0xa4, G: 0x9c, B: 0x96, A: 0xff},
	}
	paletteLight = palette{
		foreground:   color.NRGBA{R: 0x1f, G: 0x1f, B: 0x1f, A: 0xff},
		disabled:     color.NRGBA{R: 0x5e, G: 0x5e, B: 0x5e, A: 0xff},
		placeholder:  color.NRGBA{R: 0x55, G: 0x55, B: 0x55, A: 0xff},
		errorText:    color.NRGBA{R: 0xb0, G: 0x1e, B: 0x1e, A: 0xff},
		warning:      color.NRGBA{R: 0x8a, G: 0x4b, B: 0x00, A: 0xff},
		success:      color.NRGBA{R: 0x17, G: 0x67, B: 0x3a, A: 0xff},
		hyperlink:    colorBrand,
		connected:    color.NRGBA{R: 0x17, G: 0x67, B: 0x3a, A: 0xff},
		connecting:   color.NRGBA{R: 0x8a, G: 0x4b, B: 0x00, A: 0xff},
		failed:       color.NRGBA{R: 0xb0, G: 0x1e, B: 0x1e, A: 0xff},
		disconnected: color.NRGBA{R: 0x57, G: 0x52, B: 0x4e, A: 0xff},
	}
)

// paletteOf returns the palette of variant v.
func paletteOf(v fyne.ThemeVariant) palette {
	if v == theme.VariantLight {
		return paletteLight
	}
	return paletteDark
}

// espressoTheme is fyne's default theme with the brand colour as primary,
// so buttons, focus and selection match the icon, and text colours that
// read well on both variants' backgrounds.
type espressoTheme struct{ fyne.Theme }

// Theme returns the app's theme.
func Theme() fyne.Theme { return espressoTheme{theme.DefaultTheme()} }

// Color overrides the primary colour, its derivatives and the text
// colours.
func (t espressoTheme) Color(n fyne.ThemeColorName, v fyne.ThemeVariant) color.Color {
	p := paletteOf(v)
	switch n {
	case theme.ColorNamePrimary:
		return colorBrand
	case theme.ColorNameFocus:
		return color.NRGBA{R: colorBrand.R, G: colorBrand.G, B: colorBrand.B, A: 0x7f}
	case theme.ColorNameSelection:
		return color.NRGBA{R: colorBrand.R, G: colorBrand.G, B: colorBrand.B, A: 0x40}
	case theme.ColorNameForegroundOnPrimary:
		return color.White
	case theme.ColorNameHyperlink:
		return p.hyperlink
	case theme.ColorNameForeground:
		return p.foreground
	case theme.ColorNameDisabled:
		return p.disabled
	case theme.ColorNamePlaceHolder:
		return p.placeholder
	case theme.ColorNameError:
		return p.errorText
	case theme.ColorNameWarning:
		return p.warning
	case theme.ColorNameSuccess:
		return p.success
	}
	return t.Theme.Color(n, v)
}

// colorWithAlpha returns the colour of 16-bit components r, g, b with
// alpha a, for tinted backgrounds.
func colorWithAlpha(r, g, b uint32, a uint8) color.Color {
	return color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: a}
}
