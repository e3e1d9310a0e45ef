//go:build ignore

// gen_icons draws Espresso's application icon and its three tray icons.
// Run it from the repository root with: go run assets/gen_icons.go
package main

import (
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
)

// shape reports whether the point (x, y), in a unit square with y pointing down,
// is inside a figure.
type shape func(x, y float64) bool

// layer is a figure painted in one colour.
type layer struct {
	in  shape
	col color.NRGBA
}

// cup is the body of an espresso cup: a bowl whose sides narrow towards the foot.
func cup(x, y float64) bool {
	const top, bottom = 0.36, 0.74
	if y < top || y > bottom {
		return false
	}
	t := (y - top) / (bottom - top)
	half := 0.27 - 0.09*t*t
	return math.Abs(x-0.44) <= half
}

// handle is the ring on the cup's right side.
func handle(x, y float64) bool {
	d := math.Hypot(x-0.71, y-0.50)
	return d <= 0.105 && d >= 0.055 && x > 0.68
}

// saucer is the flat ellipse under the cup.
func saucer(x, y float64) bool {
	dx, dy := (x-0.46)/0.36, (y-0.78)/0.06
	return dx*dx+dy*dy <= 1
}

// steam is two wavy strokes above the cup.
func steam(x, y float64) bool {
	if y < 0.10 || y > 0.31 {
		return false
	}
	for _, cx := range []float64{0.36, 0.52} {
		wave := cx + 0.035*math.Sin((y-0.10)*math.Pi/0.105)
		if math.Abs(x-wave) <= 0.028 {
			return true
		}
	}
	return false
}

// roundedSquare is the app icon's background tile.
func roundedSquare(x, y float64) bool {
	const r, lo, hi = 0.2, 0.04, 0.96
	if x < lo || x > hi || y < lo || y > hi {
		return false
	}
	cx := math.Max(lo+r, math.Min(hi-r, x))
	cy := math.Max(lo+r, math.Min(hi-r, y))
	return math.Hypot(x-cx, y-cy) <= r
}

// dot is the status light in the tray icons' lower right corner.
func dot(x, y float64) bool {
	return math.Hypot(x-0.80, y-0.80) <= 0.17
}

func union(shapes ...shape) shape {
	return func(x, y float64) bool {
		for _, s := range shapes {
			if s(x, y) {
				return true
			}
		}
		return false
	}
}

// render paints the layers in order at size×size pixels, 4×4 samples a pixel.
func render(size int, layers []layer) *image.NRGBA {
	const ss = 4
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					x := (float64(px) + (float64(sx)+0.5)/ss) / float64(size)
					y := (float64(py) + (float64(sy)+0.5)/ss) / float64(size)
					var c color.NRGBA
					for _, l := range layers {
						if l.in(x, y) {
							c = l.col
						}
					}
					ca := float64(c.A) / 255
					r += float64(c.R) * ca
					g += float64(c.G) * ca
					b += float64(c.B) * ca
					a += ca
				}
			}
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{
				R: uint8(r / a), G: uint8(g / a), B: uint8(b / a),
				A: uint8(255 * a / (ss * ss)),
			})
		}
	}
	return img
}

func write(path string, img image.Image) {
	f, err := os.Create(path)
	if err != nil {
		log.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}

func main() {
	cream := color.NRGBA{0xf4, 0xe9, 0xd8, 0xff}
	roast := color.NRGBA{0x4a, 0x2c, 0x1d, 0xff}
	crema := color.NRGBA{0xc8, 0x8a, 0x4e, 0xff}
	cupShape := union(cup, handle, saucer)
	crema1 := func(x, y float64) bool { return cup(x, y) && y < 0.41 }

	write("assets/icon.png", render(512, []layer{
		{roundedSquare, roast},
		{steam, crema},
		{cupShape, cream},
		{crema1, crema},
	}))

	outline := color.NRGBA{0x3c, 0x3c, 0x3c, 0xff}
	states := map[string]color.NRGBA{
		"tray-disconnected.png": {0x9e, 0x9e, 0x9e, 0xff},
		"tray-connecting.png":   {0xf2, 0xa9, 0x00, 0xff},
		"tray-connected.png":    {0x2e, 0xa0, 0x43, 0xff},
	}
	for name, light := range states {
		ring := func(x, y float64) bool { return math.Hypot(x-0.80, y-0.80) <= 0.21 }
		write("assets/"+name, render(64, []layer{
			{steam, outline},
			{cupShape, outline},
			{ring, color.NRGBA{0xff, 0xff, 0xff, 0xff}},
			{dot, light},
		}))
	}
}
