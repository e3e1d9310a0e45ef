package ui

import (
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/espressovpn/espresso/app/traffic"
)

// graph draws throughput over time: received in green, sent in the
// brand's crema, scaled to the peak, with the current rates as a legend.
type graph struct {
	widget.BaseWidget
	samples []traffic.Sample
	now     time.Time
	window  time.Duration
}

func newGraph() *graph {
	g := &graph{window: graphWindow}
	g.ExtendBaseWidget(g)
	return g
}

// set replaces the samples and redraws.
func (g *graph) set(samples []traffic.Sample, now time.Time, window time.Duration) {
	g.samples, g.now, g.window = samples, now, window
	g.Refresh()
}

// Legend returns the current rates as the graph writes them.
func (g *graph) Legend() string {
	var in, out float64
	if n := len(g.samples); n > 0 {
		in, out = g.samples[n-1].In, g.samples[n-1].Out
	}
	return "↓ " + traffic.Rate(in) + "   ↑ " + traffic.Rate(out)
}

func (g *graph) CreateRenderer() fyne.WidgetRenderer {
	r := &graphRenderer{g: g}
	r.bg = canvas.NewRectangle(theme.Color(theme.ColorNameInputBackground))
	r.bg.CornerRadius = theme.InputRadiusSize()
	r.legend = canvas.NewText("", theme.Color(theme.ColorNameForeground))
	r.legend.TextSize = theme.CaptionTextSize()
	r.peak = canvas.NewText("", theme.Color(theme.ColorNamePlaceHolder))
	r.peak.TextSize = theme.CaptionTextSize()
	for range 3 {
		l := canvas.NewLine(theme.Color(theme.ColorNameSeparator))
		l.StrokeWidth = 1
		r.grid = append(r.grid, l)
	}
	return r
}

type graphRenderer struct {
	g       *graph
	bg      *canvas.Rectangle
	grid    []*canvas.Line
	in, out []*canvas.Line
	legend  *canvas.Text
	peak    *canvas.Text
	size    fyne.Size
	objects []fyne.CanvasObject
}

func (r *graphRenderer) MinSize() fyne.Size { return fyne.NewSize(240, 140) }

func (r *graphRenderer) Layout(s fyne.Size) {
	r.size = s
	r.bg.Resize(s)
	r.draw()
}

func (r *graphRenderer) Refresh() {
	r.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	r.draw()
	canvas.Refresh(r.g)
}

func (r *graphRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *graphRenderer) Destroy() {}

// draw places the grid, the two series and the legend for the current
// size and samples, reusing line objects between refreshes.
func (r *graphRenderer) draw() {
	s, g := r.size, r.g
	pad := theme.Padding()
	top, bottom := pad+18, s.Height-pad
	left, right := pad, s.Width-pad
	for i, l := range r.grid {
		y := top + (bottom-top)*float32(i)/float32(len(r.grid)-1)
		l.Position1, l.Position2 = fyne.NewPos(left, y), fyne.NewPos(right, y)
	}
	peak := traffic.Peak(g.samples)
	scale := peak * 1.15
	if scale <= 0 {
		scale = 1
	}
	point := func(sm traffic.Sample, v float64) fyne.Position {
		age := g.now.Sub(sm.At).Seconds() / g.window.Seconds()
		x := right - float32(age)*(right-left)
		y := bottom - float32(v/scale)*(bottom-top)
		return fyne.NewPos(max(x, left), y)
	}
	r.in = r.series(r.in, colorGraphIn, func(sm traffic.Sample) fyne.Position { return point(sm, sm.In) })
	r.out = r.series(r.out, colorGraphOut, func(sm traffic.Sample) fyne.Position { return point(sm, sm.Out) })

	r.legend.Text = g.Legend()
	r.legend.Move(fyne.NewPos(left+2, pad/2))
	r.peak.Text = "peak " + traffic.Rate(peak)
	pw := fyne.MeasureText(r.peak.Text, r.peak.TextSize, r.peak.TextStyle).Width
	r.peak.Move(fyne.NewPos(right-pw-2, pad/2))

	r.objects = r.objects[:0]
	r.objects = append(r.objects, r.bg)
	for _, l := range r.grid {
		r.objects = append(r.objects, l)
	}
	for _, l := range r.out {
		r.objects = append(r.objects, l)
	}
	for _, l := range r.in {
		r.objects = append(r.objects, l)
	}
	r.objects = append(r.objects, r.legend, r.peak)
}

// series joins consecutive samples with line segments of colour c.
func (r *graphRenderer) series(lines []*canvas.Line, c color.Color, at func(traffic.Sample) fyne.Position) []*canvas.Line {
	n := max(len(r.g.samples)-1, 0)
	for len(lines) < n {
		l := canvas.NewLine(c)
		l.StrokeWidth = 2
		lines = append(lines, l)
	}
	lines = lines[:n]
	for i := range n {
		lines[i].Position1 = at(r.g.samples[i])
		lines[i].Position2 = at(r.g.samples[i+1])
		lines[i].StrokeColor = c
	}
	return lines
}
