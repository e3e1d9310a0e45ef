package ui

import (
	"fmt"
	"image/color"
	"math"
	"testing"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/theme"

	"github.com/espressovpn/espresso/helper/api"
)

// luminance is the relative luminance of an opaque colour (WCAG 2.x,
// "relative luminance": sRGB channels linearised, weighted 0.2126,
// 0.7152, 0.0722).
func luminance(c color.Color) float64 {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	lin := func(v uint8) float64 {
		s := float64(v) / 255
		if s <= 0.03928 {
			return s / 12.92
		}
		return math.Pow((s+0.055)/1.055, 2.4)
	}
	return 0.2126*lin(n.R) + 0.7152*lin(n.G) + 0.0722*lin(n.B)
}

// contrast is the WCAG contrast ratio of two opaque colours, 1 to 21.
func contrast(a, b color.Color) float64 {
	la, lb := luminance(a), luminance(b)
	if la < lb {
		la, lb = lb, la
	}
	return (la + 0.05) / (lb + 0.05)
}

// over paints c, with its alpha, over the opaque colour bg.
func over(c, bg color.Color) color.Color {
	f := color.NRGBAModel.Convert(c).(color.NRGBA)
	b := color.NRGBAModel.Convert(bg).(color.NRGBA)
	a := float64(f.A) / 255
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x)*a + float64(y)*(1-a))) }
	return color.NRGBA{R: mix(f.R, b.R), G: mix(f.G, b.G), B: mix(f.B, b.B), A: 0xff}
}

func TestContrastFormula(t *testing.T) {
	if r := contrast(color.Black, color.White); math.Abs(r-21) > 1e-9 {
		t.Errorf("black on white = %.3f, want 21", r)
	}
	// #767676 on white is the lightest grey that passes AA: 4.54.
	if r := contrast(color.NRGBA{R: 0x76, G: 0x76, B: 0x76, A: 0xff}, color.White); math.Abs(r-4.54) > 0.01 {
		t.Errorf("#767676 on white = %.3f, want 4.54", r)
	}
}

// Every text colour the app draws meets WCAG AA (4.5:1 for normal text)
// on every background it is drawn on, in both variants; the graph's
// lines, which are not text, meet 3:1 (WCAG 1.4.11).
func TestThemeContrastWCAGAA(t *testing.T) {
	th := Theme()
	for _, v := range []fyne.ThemeVariant{theme.VariantDark, theme.VariantLight} {
		name := map[fyne.ThemeVariant]string{theme.VariantDark: "dark", theme.VariantLight: "light"}[v]
		c := func(n fyne.ThemeColorName) color.Color { return th.Color(n, v) }
		bg := c(theme.ColorNameBackground)
		er, eg, eb, _ := c(theme.ColorNameError).RGBA()
		bgs := map[string]color.Color{
			"background":       bg,
			"input background": over(c(theme.ColorNameInputBackground), bg),
			"button":           over(c(theme.ColorNameButton), bg),
			"disabled button":  over(c(theme.ColorNameDisabledButton), bg),
			"dialog":           over(c(theme.ColorNameOverlayBackground), bg),
			"menu":             over(c(theme.ColorNameMenuBackground), bg),
			"header":           over(c(theme.ColorNameHeaderBackground), bg),
			"selected row":     over(c(theme.ColorNameSelection), bg),
			"hovered row":      over(c(theme.ColorNameHover), bg),
			"banner":           over(colorWithAlpha(er, eg, eb, 0x30), bg),
		}
		type pair struct {
			what string
			fg   color.Color
			on   []string
		}
		everywhere := []string{"background", "input background", "button", "dialog", "menu", "header", "selected row", "hovered row", "banner"}
		pairs := []pair{
			{"values (foreground)", c(theme.ColorNameForeground), everywhere},
			{"labels and disabled text", c(theme.ColorNameDisabled), []string{"background", "input background", "disabled button", "dialog", "selected row", "hovered row"}},
			{"placeholder", c(theme.ColorNamePlaceHolder), []string{"input background", "background", "selected row", "hovered row"}},
			{"error", c(theme.ColorNameError), []string{"background", "dialog"}},
			{"warning", c(theme.ColorNameWarning), []string{"background", "dialog"}},
			{"success", c(theme.ColorNameSuccess), []string{"background"}},
			{"hyperlink", c(theme.ColorNameHyperlink), []string{"background", "dialog"}},
			{"text on primary buttons", c(theme.ColorNameForegroundOnPrimary), nil},
			{"text on danger buttons", c(theme.ColorNameForegroundOnError), nil},
		}
		for _, s := range []api.State{api.StateConnected, api.StateConnecting, api.StateFailed, api.StateDisconnected} {
			pairs = append(pairs, pair{"state " + string(s), stateColorIn(s, v), []string{"background", "selected row", "hovered row"}})
		}
		check := func(what string, fg, back color.Color, on string, min float64) {
			if r := contrast(fg, back); r < min {
				t.Errorf("%s: %s on %s: %.2f:1, want %.1f:1 (%v on %v)", name, what, on, r, min, hex(fg), hex(back))
			}
		}
		for _, p := range pairs {
			for _, on := range p.on {
				check(p.what, p.fg, bgs[on], on, 4.5)
			}
		}
		check("text on primary buttons", c(theme.ColorNameForegroundOnPrimary), over(c(theme.ColorNamePrimary), bg), "primary", 4.5)
		check("text on danger buttons", c(theme.ColorNameForegroundOnError), over(c(theme.ColorNameError), bg), "error", 4.5)
		graph := over(c(theme.ColorNameInputBackground), bg)
		check("graph in", colorGraphIn, graph, "graph", 3)
		check("graph out", colorGraphOut, graph, "graph", 3)
	}
}

func hex(c color.Color) string {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	return fmt.Sprintf("#%02x%02x%02x", n.R, n.G, n.B)
}
