package rules

import (
	"github.com/ksnap/ksnap/internal/textutil"
	"strconv"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture/bundle"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func fld(path, value string) model.Field { return model.Field{Path: path, Value: value} }

func oneLine(s string) string  { return textutil.OneLine(s) }
func lastLine(s string) string { return textutil.LastLine(s) }

// msgSuffix is ": message" on one line, cut at 200 bytes, or "".
func msgSuffix(m string) string {
	if m = textutil.OneLine(m); m == "" {
		return ""
	}
	return ": " + textutil.Truncate(m, 200)
}

func reasonSuffix(r string) string {
	if r == "" {
		return ""
	}
	return " (" + r + ")"
}

func reasonOr(r, def string) string {
	if r != "" {
		return r
	}
	return def
}

func fmtTime(t time.Time) string { return model.FormatTime(t) }

// fmtAge prints a duration rounded to seconds, e.g. 1h2m3s.
func fmtAge(d time.Duration) string { return d.Round(time.Second).String() }

func ageOrUnknown(since time.Time, age time.Duration) string {
	if since.IsZero() {
		return "an unknown time (no start time)"
	}
	return fmtAge(age)
}

func quoteSel(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

func jobEvidence(j *model.Job, fields ...model.Field) model.Evidence {
	return model.Evidence{Member: bundle.JobsMember, Kind: "Job", Name: j.Name, Fields: fields}
}

func podEvidence(p *model.Pod, fields ...model.Field) model.Evidence {
	return model.Evidence{Member: bundle.PodsMember, Kind: "Pod", Name: p.Name, Fields: fields}
}
