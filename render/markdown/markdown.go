// Package markdown renders an analysis report as GitHub-flavoured Markdown
// (Report), for $GITHUB_STEP_SUMMARY, merge-request comments and chat: a
// heading with the verdict and the bundle, one line of counts, and a table
// of what is not OK with its cause (the rows of the text report's first
// block, analyze.Report.CauseRows).
//
// Every string from a bundle is escaped for Markdown (Escape): control
// characters as in textutil.Terminal, and the characters that would make
// a table cell end, code, emphasis, a link or HTML shown as themselves.
//
// It may import analyze, analyze/model and internal/*; it never imports
// os, net or capture, and analyze does not import it.
package markdown

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/internal/textutil"
)

// Options shape the Markdown.
type Options struct {
	// All adds a row for each OK Job (without a cause) after the others.
	All bool
}

// Report writes rep with the default Options.
func Report(w io.Writer, rep *analyze.Report) error { return Write(w, rep, Options{}) }

// Write writes rep as Markdown:
//
//	### ksnap: ERROR in namespace.tar.zst
//
//	10 Jobs (6 ERROR, 3 WARN, 1 OK), 9 pods (0 bare), namespace ksnap-e2e, ...
//
//	| Level | Object | Rule | Age | Cause |
//	| --- | --- | --- | --- | --- |
//	| ERROR | e2e-backoff | P8 | 30s | pod e2e-backoff-6dhvs container main terminated Error (exit 1) |
//
// Age is how long before the capture the cause happened. When everything
// is OK the table is replaced by one line saying so. The output ends with a
// blank line, so several reports can be concatenated.
func Write(w io.Writer, rep *analyze.Report, o Options) error {
	bw := bufio.NewWriter(w)
	c := rep.Counts
	fmt.Fprintf(bw, "### ksnap: %s in %s\n\n", rep.Verdict, Escape(rep.Bundle.File))
	sel := Escape(rep.Selector)
	if sel == "" {
		sel = "(none)"
	}
	fmt.Fprintf(bw, "%s (%d ERROR, %d WARN, %d OK), %s (%d bare), namespace %s, selector %s, captured %s, rule set %s\n\n",
		plural(c.Jobs, "Job"), c.JobsError, c.JobsWarn, c.JobsOK, plural(c.Pods, "pod"), c.BarePods,
		Escape(rep.Namespace), sel, Escape(rep.CapturedAt), Escape(rep.RuleSet))
	rows := rep.CauseRows()
	if o.All {
		for i := range rep.Jobs {
			if j := &rep.Jobs[i]; j.Health == model.LevelOK {
				rows = append(rows, analyze.CauseRow{Level: j.Health, Object: j.Name, Message: j.Phase.String()})
			}
		}
	}
	if len(rows) == 0 {
		fmt.Fprintf(bw, "Nothing to report: every Job is OK.\n\n")
		return bw.Flush()
	}
	bw.WriteString("| Level | Object | Rule | Age | Cause |\n| --- | --- | --- | --- | --- |\n")
	for _, r := range rows {
		fmt.Fprintf(bw, "| %s | %s | %s | %s | %s |\n", r.Level, cell(r.Object), cell(r.Rule), cell(r.Age), cell(r.Message))
	}
	bw.WriteString("\n")
	return bw.Flush()
}

func cell(s string) string {
	if s == "" {
		return "-"
	}
	return Escape(s)
}

func plural(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

// special are the characters Escape puts a backslash before: those that
// end a table cell (|), start code (`), emphasis (* _ ~), a link or image
// ([ ] !), HTML (< >) or an entity (&), a heading (#), and the backslash
// itself. CommonMark shows any backslash-escaped ASCII punctuation as it is.
const special = "\\`*_~[]!<>&#|"

// Escape returns s safe in one Markdown table cell or line of text: first
// textutil.Terminal (control characters as \x1b-style escapes, so no
// newline can end the cell), then a backslash before each special
// character. "@name" is left as it is: a merge-request comment may notify
// that user.
func Escape(s string) string {
	s = textutil.Terminal(s)
	if !strings.ContainsAny(s, special) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(special, s[i]) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// Unreadable writes the block of a bundle that could not be read, so a
// summary of several bundles does not silently lose it:
// "### ksnap: UNREADABLE: PATH" and the error on one line.
func Unreadable(w io.Writer, path string, err error) error {
	_, werr := fmt.Fprintf(w, "### ksnap: UNREADABLE: %s\n\n%s\n\n", Escape(path), Escape(textutil.OneLine(err.Error())))
	return werr
}
