package web

import (
	"fmt"
	"html"
	"html/template"
	"sort"
	"strings"

	"github.com/custodian-roi/custodian/internal/roi"
	"github.com/custodian-roi/custodian/internal/workflow"
)

// Charts are drawn on the server as SVG: no chart library, no script,
// nothing a strict Content-Security-Policy has to allow. Every chart has
// a table beside it for screen readers and for exact figures.

type bar struct {
	Label string
	Parts []part // stacked, bottom first
}

type part struct {
	Class string // k0 … k7, styled in app.css
	Name  string
	Value int
}

type legend struct{ Class, Name string }

// barChart draws vertical (stacked) bars.
func barChart(title string, bars []bar) template.HTML {
	const w, h, pad, base = 560, 200, 28, 170
	max := 1
	for _, b := range bars {
		t := 0
		for _, p := range b.Parts {
			t += p.Value
		}
		max = maxInt(max, t)
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, `<svg viewBox="0 0 %d %d" role="img" aria-label="%s">`, w, h, html.EscapeString(title))
	slot := float64(w-pad) / float64(maxInt(len(bars), 1))
	for i, b := range bars {
		x := float64(pad) + float64(i)*slot + slot*0.15
		y := float64(base)
		total := 0
		for _, p := range b.Parts {
			hgt := float64(p.Value) / float64(max) * float64(base-24) // room above for the total
			y -= hgt
			total += p.Value
			fmt.Fprintf(&sb, `<rect class="bar %s" x="%.1f" y="%.1f" width="%.1f" height="%.1f"><title>%s: %d</title></rect>`,
				p.Class, x, y, slot*0.7, hgt, html.EscapeString(b.Label+" "+p.Name), p.Value)
		}
		fmt.Fprintf(&sb, `<text x="%.1f" y="%d" text-anchor="middle">%s</text>`, x+slot*0.35, base+14, html.EscapeString(b.Label))
		if total > 0 {
			fmt.Fprintf(&sb, `<text x="%.1f" y="%.1f" text-anchor="middle">%d</text>`, x+slot*0.35, y-3, total)
		}
	}
	fmt.Fprintf(&sb, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="#8a94a3"/></svg>`, pad, base, w, base)
	return template.HTML(sb.String()) // built from numbers and escaped labels only
}

type metricsPage struct {
	M          *workflow.Metrics
	Volume     template.HTML
	Legend     []legend
	Turnaround template.HTML
	OnTimePct  int
	Denials    []reasonCount
	Pending    []reasonCount
	Kinds      []roi.Kind
}

type reasonCount struct {
	Code  roi.Code
	Count int
	Width int // percent of the largest, for the bar
}

func metricsView(m *workflow.Metrics) metricsPage {
	v := metricsPage{M: m, OnTimePct: int(m.OnTimeShare*100 + 0.5)}
	seen := map[roi.Kind]bool{}
	for _, wk := range m.Weeks {
		for k := range wk.ByKind {
			seen[k] = true
		}
	}
	for _, k := range roi.Kinds {
		if seen[k] {
			v.Kinds = append(v.Kinds, k)
		}
	}
	class := map[roi.Kind]string{}
	for i, k := range v.Kinds {
		class[k] = fmt.Sprintf("k%d", i%8)
		v.Legend = append(v.Legend, legend{Class: class[k], Name: string(k)})
	}
	var weeks []bar
	for _, wk := range m.Weeks {
		b := bar{Label: wk.Week[strings.Index(wk.Week, "-")+1:]} // "W10"
		for _, k := range v.Kinds {
			if n := wk.ByKind[k]; n > 0 {
				b.Parts = append(b.Parts, part{Class: class[k], Name: string(k), Value: n})
			}
		}
		weeks = append(weeks, b)
	}
	v.Volume = barChart("Requests per week by requester kind", weeks)
	var turn []bar
	for _, b := range m.Turnaround {
		cls := "k0"
		if b.Min > 30 {
			cls = "late"
		}
		turn = append(turn, bar{Label: b.Label, Parts: []part{{Class: cls, Name: "requests", Value: b.Count}}})
	}
	v.Turnaround = barChart("Turnaround in days", turn)
	v.Denials, v.Pending = reasons(m.DenialsByReason), reasons(m.PendingByReason)
	return v
}

func reasons(m map[roi.Code]int) []reasonCount {
	var out []reasonCount
	top := 1
	for c, n := range m {
		out = append(out, reasonCount{Code: c, Count: n})
		top = maxInt(top, n)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Count != out[j].Count {
			return out[i].Count > out[j].Count
		}
		return out[i].Code < out[j].Code
	})
	for i := range out {
		out[i].Width = out[i].Count * 100 / top
	}
	return out
}

func maxInt(a, b int) int {
	if a > b {
		return a
	}
	return b
}
