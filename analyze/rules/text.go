package rules

import (
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture/bundle"
)

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func fld(path, value string) model.Field { return model.Field{Path: path, Value: value} }

// oneLine folds a message from the cluster onto one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// lastLine returns the last non-empty line of s: kubectl prints its error
// last, after any klog noise.
func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}

// msgSuffix is ": message" on one line, cut at 200 bytes, or "".
func msgSuffix(m string) string {
	m = oneLine(m)
	if m == "" {
		return ""
	}
	const max = 200
	if len(m) > max {
		cut := max
		for cut > 0 && m[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		m = m[:cut] + "…"
	}
	return ": " + m
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
