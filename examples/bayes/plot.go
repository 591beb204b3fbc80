package main

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// plotBins is the number of score bins.
const plotBins = 50

// plotScores draws, for each variant (and the peer), the share of ham and
// of spam in each score bin on a log scale, with the cutoffs as vertical
// lines: the unsure band lies between them.
func plotScores(path string, variants []*variant, peer bool) error {
	var plots [][]*plot.Plot
	for _, v := range variants {
		row := []*plot.Plot{scorePlot("spamkit, "+v.Name, &v.Ours, 0.45, 0.99)}
		if peer {
			row = append(row, scorePlot("bogofilter, "+v.Name, &v.Peer, 0.45, 0.99))
		}
		plots = append(plots, row)
	}
	cols := len(plots[0])
	w, h := vg.Length(cols)*6*vg.Inch, vg.Length(len(plots))*4*vg.Inch
	img, err := draw.NewFormattedCanvas(w, h, "png")
	if err != nil {
		return err
	}
	dc := draw.New(img)
	tiles := draw.Tiles{Rows: len(plots), Cols: cols, PadX: vg.Millimeter * 4, PadY: vg.Millimeter * 4}
	canvases := plot.Align(plots, tiles, dc)
	for r := range plots {
		for c := range plots[r] {
			plots[r][c].Draw(canvases[r][c])
		}
	}
	return saveCanvas(path, img)
}

// floorShare is the share drawn for an empty bin (a log scale has no 0).
const floorShare = 0.01

func scorePlot(title string, m *metrics, hamCut, spamCut float64) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.X.Label.Text = "score"
	p.Y.Label.Text = "% of class (log)"
	p.Y.Scale = plot.LogScale{}
	p.Y.Tick.Marker = plot.LogTicks{Prec: -1}
	p.X.Min, p.X.Max = 0, 1
	p.Y.Min, p.Y.Max = floorShare, 100
	for _, s := range []struct {
		name   string
		scores []float64
		c      color.RGBA
	}{
		{fmt.Sprintf("ham (%d)", len(m.HamScores)), m.HamScores, color.RGBA{0, 90, 200, 255}},
		{fmt.Sprintf("spam (%d)", len(m.SpamScores)), m.SpamScores, color.RGBA{210, 40, 30, 255}},
	} {
		xy := histogram(s.scores)
		l, err := plotter.NewLine(xy)
		if err != nil {
			continue
		}
		l.Color = s.c
		l.Width = vg.Points(1.5)
		l.StepStyle = plotter.MidStep
		p.Add(l)
		p.Legend.Add(s.name, l)
	}
	for _, cut := range []float64{hamCut, spamCut} {
		l, err := plotter.NewLine(plotter.XYs{{X: cut, Y: floorShare}, {X: cut, Y: 100}})
		if err != nil {
			continue
		}
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		l.Color = color.Gray{Y: 80}
		p.Add(l)
	}
	p.Legend.Top = true
	p.Legend.Left = true
	p.Legend.XOffs = vg.Millimeter * 25
	return p
}

// histogram is the share (%) of scores in each of plotBins bins over
// [0, 1], at least floorShare.
func histogram(scores []float64) plotter.XYs {
	counts := make([]int, plotBins)
	for _, s := range scores {
		i := int(math.Floor(s * plotBins))
		counts[min(max(i, 0), plotBins-1)]++
	}
	xy := make(plotter.XYs, plotBins)
	for i, n := range counts {
		xy[i].X = (float64(i) + 0.5) / plotBins
		xy[i].Y = math.Max(pct(n, len(scores)), floorShare)
	}
	return xy
}
