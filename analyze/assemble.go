package analyze

import (
	"cmp"
	"slices"
	"strings"

	"github.com/ksnap/ksnap/analyze/model"
)

// Report assembly: the rule set's findings become sorted lists, health and
// counts. Nothing here judges a fact.

// sortFindings orders findings worst level first, then by the rule set's
// listing order, then by object name, then message, and returns them (an
// empty list, never nil).
// It also turns nil evidence field lists into empty ones, so JSON never
// holds null for a list.
func (ev *evaluation) sortFindings(fs []model.Finding) []model.Finding {
	if fs == nil {
		return []model.Finding{}
	}
	for i := range fs {
		if fs[i].Evidence.Fields == nil {
			fs[i].Evidence.Fields = []model.Field{}
		}
	}
	slices.SortStableFunc(fs, func(x, y model.Finding) int {
		if x.Level != y.Level {
			return cmp.Compare(y.Level, x.Level)
		}
		if rx, ry := ev.rs.Order(x.Rule), ev.rs.Order(y.Rule); rx != ry {
			return cmp.Compare(rx, ry)
		}
		if c := strings.Compare(x.Evidence.Name, y.Evidence.Name); c != 0 {
			return c
		}
		return strings.Compare(x.Message, y.Message)
	})
	return fs
}

// worst is the health of a list of findings (OK for none).
func worst(fs []model.Finding) model.Level {
	l := model.LevelOK
	for _, f := range fs {
		l = l.Worst(f.Level)
	}
	return l
}

// oneLine folds a message from the cluster onto one line.
func oneLine(s string) string {
	if !strings.ContainsAny(s, "\r\n\t") {
		return strings.TrimSpace(s)
	}
	return strings.Join(strings.Fields(s), " ")
}

// lastLine returns the last non-empty line of s: kubectl prints its error
// last, after any klog noise. (text.go's; internal/textutil replaces it.)
func lastLine(s string) string {
	lines := strings.Split(s, "\n")
	for i := len(lines) - 1; i >= 0; i-- {
		if l := strings.TrimSpace(lines[i]); l != "" {
			return l
		}
	}
	return ""
}

// msgSuffix is ": message" on one line, cut at 200 bytes, or "". (text.go's;
// internal/textutil replaces it.)
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
