package html

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/history/dashboard"
)

// Grid geometry, in SVG user units (pixels).
const (
	cellW  = 10 // the narrowest; a grid of few columns gets wider cells
	maxW   = 24
	gridW  = 720 // the width a grid of few columns fills
	cellH  = 14
	labelW = 280
	// maxLabel is the longest owner name drawn in full beside its row (the
	// cell tooltips and the table always give it whole).
	maxLabel = 40
)

// MaxBytes is the documented size bound of a dashboard page: the grid has at
// most dashboard.DefaultMaxCells cells (each under 400 bytes with its
// tooltip) and tables of one row per owner; a history of 10,000 captures x
// 200 owners stays under it (TestSizeBound).
const MaxBytes = 8 << 20

// DashboardOptions name what the page cannot know from the value.
type DashboardOptions struct {
	// Source names the history store (its String), shown in the header.
	Source string
}

type dashView struct {
	Head                 head
	D                    *dashboard.Dashboard
	Source               string
	Owners               int
	Targets              []targetView
	Legend               []legendItem
	MaxColumns, MaxCells int
}

type legendItem struct{ Class, Name string }

type targetView struct {
	ID, Name     string
	T            *dashboard.Target
	Bucket       string
	Width        int
	CellW        int
	Height       int
	Caps         []cellView
	Rows         []rowView
	LastCapture  string
	Aggregated   bool
	OmittedNote  string
	StreakHealth string
}

type rowView struct {
	Y      int
	TextY  int
	Label  string
	Full   string
	Cells  []cellView
	Owner  *dashboard.Owner
	LastLv string
}

type cellView struct {
	X, Y  int
	Class string
	Title string
}

// WriteDashboard renders d as one self-contained HTML page.
func WriteDashboard(w io.Writer, d *dashboard.Dashboard, o DashboardOptions) error {
	v := dashView{Head: newHead("ksnap history"), D: d, Source: o.Source, MaxColumns: dashboard.DefaultMaxColumns, MaxCells: dashboard.DefaultMaxCells}
	for _, s := range []dashboard.State{dashboard.StateOK, dashboard.StateWarn, dashboard.StateUnknown, dashboard.StateError, dashboard.StateGap, dashboard.StatePartial} {
		v.Legend = append(v.Legend, legendItem{stateClass(s), s.String()})
	}
	for i := range d.Targets {
		t := &d.Targets[i]
		v.Owners += len(t.Owners)
		v.Targets = append(v.Targets, newTargetView(i, t))
	}
	return execute(w, "dashboard.tmpl", v)
}

// TargetName is how the page names a target: namespace, then the selector
// or "(all)".
func TargetName(t *dashboard.Target) string {
	sel := t.Selector
	if sel == "" {
		sel = "(every object)"
	}
	return t.Namespace + " " + sel
}

func newTargetView(i int, t *dashboard.Target) targetView {
	tv := targetView{ID: "t" + strconv.Itoa(i+1), Name: TargetName(t), T: t, Bucket: dashboard.BucketName(t.Bucket), Aggregated: t.Bucket > 0}
	tv.StreakHealth = t.Streak.Health.String()
	cw := min(maxW, max(cellW, gridW/max(1, len(t.Columns))))
	tv.CellW = cw - 1
	tv.Width = labelW + len(t.Columns)*cw + 2
	tv.Height = (len(t.Owners)+1)*cellH + 4
	for ci := range t.Columns {
		col := &t.Columns[ci]
		c := &t.Captures[col.Last]
		cls := stateClass(dashboard.State(col.Health))
		if col.Partial {
			cls += " p"
		}
		tv.Caps = append(tv.Caps, cellView{X: labelW + ci*cw, Y: 0, Class: "cap " + cls, Title: capTitle(t, col, c)})
	}
	for oi := range t.Owners {
		ow := &t.Owners[oi]
		full := ow.Kind + "/" + ow.Name
		label := full
		if r := []rune(label); len(r) > maxLabel {
			label = string(r[:maxLabel-1]) + "…"
		}
		y := (oi + 1) * cellH
		rv := rowView{Y: y, TextY: y + cellH - 3, Label: label, Full: full, Owner: ow, LastLv: ow.Last.String()}
		for ci := range ow.Cells {
			cell := &ow.Cells[ci]
			cls := stateClass(cell.State)
			if t.Columns[ci].Partial && cell.State != dashboard.StatePartial {
				cls += " p"
			}
			rv.Cells = append(rv.Cells, cellView{X: labelW + ci*cw, Y: y, Class: "cell " + cls, Title: cellTitle(t, full, &t.Columns[ci], cell)})
		}
		tv.Rows = append(tv.Rows, rv)
	}
	if t.Omitted > 0 {
		tv.OmittedNote = fmt.Sprintf("The oldest %d captures are left out of the grid (counted in the table).", t.Omitted)
	}
	return tv
}

func stateClass(s dashboard.State) string {
	switch s {
	case dashboard.StateGap:
		return "gap"
	case dashboard.StatePartial:
		return "partial"
	}
	return strings.ToLower(model.Level(s).String())
}

// span says what a column covers.
func span(t *dashboard.Target, col *dashboard.Column) string {
	if t.Bucket == 0 {
		return fmtTime(col.Start)
	}
	return fmt.Sprintf("%s from %s, %d captures", dashboard.BucketName(t.Bucket), fmtTime(col.Start), col.Count())
}

func capLine(c *dashboard.Capture) string {
	s := "bundle " + c.Bundle + " sha256 " + c.SHA256 + "\nreproduce: ksnap analyze " + c.Bundle
	return s
}

func capTitle(t *dashboard.Target, col *dashboard.Column, c *dashboard.Capture) string {
	var b strings.Builder
	fmt.Fprintf(&b, "capture · %s · overall %s", span(t, col), col.Health)
	if col.Partial {
		b.WriteString(" · partial capture")
	}
	fmt.Fprintf(&b, "\nnewest: %s %s\n%s", fmtTime(c.Time), c.Health, capLine(c))
	return b.String()
}

func cellTitle(t *dashboard.Target, owner string, col *dashboard.Column, cell *dashboard.Cell) string {
	c := &t.Captures[cell.Capture]
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s · %s", owner, span(t, col), cell.State)
	if cell.Reason != "" {
		b.WriteString(" · cause " + cell.Reason)
	}
	if c.Partial() {
		fmt.Fprintf(&b, " · partial capture: %d kubectl commands failed", c.CaptureErrors)
	}
	if t.Bucket > 0 {
		fmt.Fprintf(&b, "\nin %d of %d captures, ERROR in %d; shown: %s", cell.Present, col.Count(), cell.Errors, fmtTime(c.Time))
	}
	b.WriteString("\n" + capLine(c))
	return b.String()
}

// ageOr prints the age of a time, or "never".
func ageOr(t time.Time, d time.Duration) string {
	if t.IsZero() {
		return "never"
	}
	return fmtAge(d)
}
