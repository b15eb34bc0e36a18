package html

import (
	"io"
	"strconv"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
)

type reportView struct {
	Head    head
	Reports []reportItem
}

type reportItem struct {
	ID string
	R  *analyze.Report
}

// WriteReport renders the incident report of one or more analysed bundles as
// one self-contained HTML page: the facts of the text report (header,
// findings, jobs with their pods, events and labels, bare pods, capture
// failures with their stderr, input problems), in report order, with a
// verdict table first when there are several.
func WriteReport(w io.Writer, reps ...*analyze.Report) error {
	title := "ksnap analyze"
	if len(reps) == 1 {
		title += ": " + reps[0].Bundle.File
	}
	v := reportView{Head: newHead(title)}
	for i, r := range reps {
		v.Reports = append(v.Reports, reportItem{ID: "b" + strconv.Itoa(i+1), R: r})
	}
	return execute(w, "report.tmpl", v)
}

func optInt(o analyze.OptInt) string { return model.OptInt(o).String() }
