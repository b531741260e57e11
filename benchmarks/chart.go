package main

import (
	"fmt"
	"html"
	"io"
	"math"
	"slices"
)

// loggerColours are the bar colours, slogtree's the one that stands out.
var loggerColours = map[string]string{
	"slogtree": "#d62728",
	"slog":     "#1f77b4",
	"zap":      "#2ca02c",
	"zerolog":  "#9467bd",
	"phuslu":   "#ff7f0e",
	"cpython":  "#7f7f7f",
}

// Chart geometry, in pixels.
const (
	chartWidth  = 960
	chartLeft   = 120 // scenario names
	chartRight  = 80  // values printed after the longest bars
	chartTop    = 64  // title and legend
	chartBottom = 36  // axis labels
	barHeight   = 11
	barGap      = 2
	groupGap    = 16
)

// writeChart writes an SVG of grouped horizontal bars: one group a
// scenario, one bar a logger, its length ns/op on a log scale.
func writeChart(w io.Writer, results []result) {
	var scenarios, loggers []string
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, r := range results {
		if len(scenarios) == 0 || scenarios[len(scenarios)-1] != r.scenario {
			scenarios = append(scenarios, r.scenario)
		}
		if !slices.Contains(loggers, r.logger) {
			loggers = append(loggers, r.logger)
		}
		if r.nsPerOp > 0 {
			lo, hi = math.Min(lo, r.nsPerOp), math.Max(hi, r.nsPerOp)
		}
	}
	if len(results) == 0 || math.IsInf(lo, 0) {
		lo, hi = 1, 10
	}
	slices.SortStableFunc(loggers, func(a, b string) int {
		return orderOf(loggerOrder, a) - orderOf(loggerOrder, b)
	})
	// The axis spans whole decades around the data.
	d0, d1 := math.Floor(math.Log10(lo)), math.Ceil(math.Log10(hi))
	if d1 == d0 {
		d1++
	}
	plotW := float64(chartWidth - chartLeft - chartRight)
	x := func(v float64) float64 {
		return chartLeft + (math.Log10(v)-d0)/(d1-d0)*plotW
	}
	groupH := len(loggers)*(barHeight+barGap) - barGap
	height := chartTop + len(scenarios)*(groupH+groupGap) - groupGap + chartBottom

	p := func(format string, args ...any) { fmt.Fprintf(w, format, args...) }
	p(`<svg xmlns="http://www.w3.org/2000/svg" width="%d" height="%d" viewBox="0 0 %d %d" font-family="sans-serif" font-size="11">`+"\n",
		chartWidth, height, chartWidth, height)
	p(`<rect width="100%%" height="100%%" fill="#ffffff"/>` + "\n")
	p(`<text x="%d" y="20" font-size="14" font-weight="bold">ns per record, log scale (shorter is faster)</text>`+"\n", chartLeft)

	// Legend.
	lx := chartLeft
	for _, l := range loggers {
		p(`<rect x="%d" y="32" width="12" height="12" fill="%s"/>`, lx, loggerColours[l])
		p(`<text x="%d" y="42">%s</text>`+"\n", lx+16, html.EscapeString(l))
		lx += 24 + 8*len(l) + 16
	}

	// Grid: a line at each 1, 2 and 5 of each decade, labels at decades.
	plotBottom := height - chartBottom + 6
	for d := d0; d <= d1; d++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, d)
			if math.Log10(v) > d1+1e-9 {
				break
			}
			gx := x(v)
			stroke, label := "#eeeeee", ""
			if m == 1 {
				stroke, label = "#bbbbbb", axisLabel(v)
			}
			p(`<line x1="%.1f" y1="%d" x2="%.1f" y2="%d" stroke="%s"/>`+"\n", gx, chartTop-6, gx, plotBottom, stroke)
			if label != "" {
				p(`<text x="%.1f" y="%d" text-anchor="middle" fill="#555555">%s</text>`+"\n", gx, plotBottom+14, label)
			}
		}
	}

	// Bars.
	y := chartTop
	for _, sc := range scenarios {
		p(`<text x="%d" y="%d" text-anchor="end" font-size="12" font-weight="bold">%s</text>`+"\n",
			chartLeft-8, y+groupH/2+4, html.EscapeString(sc))
		for i, l := range loggers {
			by := y + i*(barHeight+barGap)
			r, ok := find(results, sc, l)
			if !ok || r.nsPerOp <= 0 {
				continue
			}
			bx := x(r.nsPerOp)
			p(`<rect x="%d" y="%d" width="%.1f" height="%d" fill="%s"><title>%s %s: %s ns/op</title></rect>`,
				chartLeft, by, math.Max(bx-chartLeft, 1), barHeight, loggerColours[l], html.EscapeString(sc), html.EscapeString(l), ns(r.nsPerOp))
			p(`<text x="%.1f" y="%d" font-size="9" fill="#333333">%s %s</text>`+"\n",
				math.Max(bx, chartLeft+1)+3, by+barHeight-2, html.EscapeString(l), html.EscapeString(ns(r.nsPerOp)))
		}
		y += groupH + groupGap
	}
	p("</svg>\n")
}

// axisLabel names a decade: 1 ns, 10 ns, 100 ns, 1 µs, ...
func axisLabel(v float64) string {
	switch {
	case v >= 1e6:
		return fmt.Sprintf("%g ms", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%g µs", v/1e3)
	}
	return fmt.Sprintf("%g ns", v)
}

func find(results []result, scenario, logger string) (result, bool) {
	for _, r := range results {
		if r.scenario == scenario && r.logger == logger {
			return r, true
		}
	}
	return result{}, false
}

// orderOf is the place of s in order, or after every name of order.
func orderOf(order []string, s string) int {
	if i := slices.Index(order, s); i >= 0 {
		return i
	}
	return len(order)
}
