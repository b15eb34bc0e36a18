package text

import (
	"bufio"
	"fmt"
	"io"
	"text/tabwriter"
	"time"

	"github.com/ksnap/ksnap/history"
)

// displayTime renders a record time for people: RFC 3339, UTC, seconds.
func displayTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// HistoryTable writes records as an aligned table, one row per record, oldest
// first, numbered from 1. Timestamps print as RFC 3339 UTC to the second;
// the Bundle column is "-" for records of the old tool; a Cluster column
// follows when some record names one.
func HistoryTable(w io.Writer, recs []history.Record) error {
	bw := bufio.NewWriter(w)
	if len(recs) == 0 {
		fmt.Fprintln(bw, "No records found.")
		return bw.Flush()
	}
	clusters := false
	for i := range recs {
		clusters = clusters || recs[i].Cluster != ""
	}
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	head := "#\tTIMESTAMP\tHEALTH\tOK\tWARN\tERR\tNAMESPACE\tSELECTOR\tBUNDLE"
	if clusters {
		head += "\tCLUSTER"
	}
	fmt.Fprintln(tw, head)
	for i := range recs {
		r := &recs[i]
		fmt.Fprintf(tw, "%d\t%s\t%s\t%d\t%d\t%d\t%s\t%s\t%s", i+1, displayTime(r.Time), r.Level(),
			r.JobsOK, r.JobsWarn, r.JobsError, dash(esc(r.Namespace)), dash(esc(r.Selector)), dash(esc(r.Bundle)))
		if clusters {
			fmt.Fprintf(tw, "\t%s", dash(esc(r.Cluster)))
		}
		fmt.Fprintln(tw)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}

// HistorySummary writes the summary: one block per target (namespace,
// selector and cluster; Summary.Targets), each judging its records alone,
// or the whole summary's block when it has no target (no record). A block
// is the old tool's layout (counts, last record) followed by ksnap's
// target, streak, last transition, jobs with errors (with when each has
// been failing since, its last OK and its top reason), then CronJobs with
// errors (one row per CronJob: how many of its jobs failed, its latest
// job, and the same columns judged by its latest job in each record) and
// findings. At most maxJobs rows are listed per table and block (0: all).
func HistorySummary(w io.Writer, s *history.Summary, maxJobs int) error {
	bw := bufio.NewWriter(w)
	if len(s.Targets) == 0 {
		summaryBlock(bw, s, nil, maxJobs, s.Corrupt.Count)
	}
	for i := range s.Targets {
		corrupt := 0
		if i == len(s.Targets)-1 {
			corrupt = s.Corrupt.Count
		}
		summaryBlock(bw, s.Targets[i].Summary, &s.Targets[i].Target, maxJobs, corrupt)
	}
	return bw.Flush()
}

// targetText is "namespace=N selector=S" and " cluster=C" when set.
func targetText(t *history.Target) string {
	out := "namespace=" + dash(esc(t.Namespace)) + " selector=" + dash(esc(t.Selector))
	if t.Cluster != "" {
		out += " cluster=" + esc(t.Cluster)
	}
	return out
}

func optTime(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return displayTime(*t)
}

// capped is n, or max when max > 0 is smaller.
func capped(n, max int) int {
	if max > 0 && n > max {
		return max
	}
	return n
}

// more says how many rows a capped table left out.
func more(p func(string, ...any), left int) {
	if left > 0 {
		p("  ... and %d more (-o json lists all)\n", left)
	}
}

// topReason is "REASON (N×)", or "-" without a cause.
func topReason(cause, reason string, n int) string {
	if cause == "" {
		return "-"
	}
	return fmt.Sprintf("%s (%d×)", dash(esc(reason)), n)
}

func summaryBlock(bw *bufio.Writer, s *history.Summary, t *history.Target, maxJobs, corrupt int) {
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	p("\n%s\n[KSNAP_HISTORY] HEALTH HISTORY SUMMARY\n%s\n\n", rule80, rule80)
	if t != nil {
		p("%s%s\n", label(0, "Target"), targetText(t))
	}
	p("%s%d\n\n", label(0, "Total Records"), s.Total)
	p("Health Status Counts:\n")
	p("%s%d\n", label(2, "OK"), s.Counts.OK)
	p("%s%d\n", label(2, "WARN"), s.Counts.Warn)
	p("%s%d\n", label(2, "ERROR"), s.Counts.Error)
	if s.Counts.Unknown > 0 {
		p("%s%d\n", label(2, "UNKNOWN"), s.Counts.Unknown)
	}
	p("\nLast Record:\n")
	if s.Last == nil {
		p("%s%s\n", label(2, "Overall Health"), "none")
		p("%s%s\n", label(2, "Timestamp"), "none")
	} else {
		p("%s%s\n", label(2, "Overall Health"), s.Last.Level())
		p("%s%s\n", label(2, "Timestamp"), displayTime(s.Last.Time))
		p("%s%d\n", label(2, "Jobs OK"), s.Last.JobsOK)
		p("%s%d\n", label(2, "Jobs WARN"), s.Last.JobsWarn)
		p("%s%d\n", label(2, "Jobs ERROR"), s.Last.JobsError)
		if s.Last.Bundle != "" {
			p("%s%s\n", label(2, "Bundle"), esc(s.Last.Bundle))
		}
		p("\n%s%s for %d record(s) since %s\n", label(0, "Current Streak"), s.Streak.Level, s.Streak.Records, displayTime(s.Streak.Since))
		if s.LastTransition != nil {
			p("%s%s -> %s at %s\n", label(0, "Last Transition"), s.LastTransition.From, s.LastTransition.To, displayTime(s.LastTransition.At))
		} else {
			p("%s%s\n", label(0, "Last Transition"), "none in these records")
		}
		p("%s%s\n", label(0, "First Record"), displayTime(s.First.Time))
	}
	if len(s.Jobs) > 0 {
		p("\nJobs With Errors:\n")
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  JOB\tERRORS\tRECORDS\tLAST\tHEALTH\tLAST SEEN\tFAILING SINCE\tLAST OK\tTOP REASON")
		n := capped(len(s.Jobs), maxJobs)
		for _, j := range s.Jobs[:n] {
			fmt.Fprintf(tw, "  %s\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\n", esc(j.Name), j.Errors, j.Records,
				dash(esc(j.LastHealth)), esc(j.Health), displayTime(j.LastSeen), optTime(j.FailingSince), optTime(j.LastOK),
				topReason(j.TopCause, j.TopReason, j.TopCauseRecords))
		}
		tw.Flush()
		more(p, len(s.Jobs)-n)
	}
	if len(s.CronJobs) > 0 {
		p("\nCronJobs With Errors:\n")
		tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "  CRONJOB\tFAILED JOBS\tERRORS\tRECORDS\tLATEST JOB\tLAST\tHEALTH\tLAST SEEN\tFAILING SINCE\tLAST OK\tTOP REASON")
		n := capped(len(s.CronJobs), maxJobs)
		for _, c := range s.CronJobs[:n] {
			h := esc(c.Health)
			if c.SupersededBy != "" {
				h += " (J11)"
			}
			fmt.Fprintf(tw, "  %s\t%d of %d\t%d\t%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", esc(c.Name), c.FailedJobs, c.Jobs, c.Errors, c.Records,
				esc(c.LatestJob), dash(esc(c.LastHealth)), h, displayTime(c.LastSeen), optTime(c.FailingSince), optTime(c.LastOK),
				topReason(c.TopCause, c.TopReason, c.TopCauseRecords))
		}
		tw.Flush()
		more(p, len(s.CronJobs)-n)
	}
	if len(s.Findings) > 0 {
		p("\nFindings:\n")
		for _, f := range s.Findings {
			p("  [%s] %-5s %s\n", esc(f.Rule), f.Level, esc(f.Message))
		}
	}
	if corrupt > 0 {
		p("\n%s%d (skipped; listed on stderr)\n", label(0, "Corrupt Lines"), corrupt)
	}
	p("%s\n\n", rule80)
}

// RecordSummary is what the record command reports after an append: the
// record, the bundle it was made from and the history it went to.
type RecordSummary struct {
	Record      *history.Record
	BundlePath  string
	HistoryPath string
}

// RecordBlock writes the old record tool's summary block (seed layout),
// with the timestamp in RFC 3339 and the bundle added.
func RecordBlock(w io.Writer, rs RecordSummary) error {
	bw := bufio.NewWriter(w)
	p := func(format string, a ...any) { fmt.Fprintf(bw, format, a...) }
	r := rs.Record
	p("\n%s\n[KSNAP_RECORD] HEALTH RECORD SUMMARY\n%s\n\n", rule80, rule80)
	p("%s%s\n", label(0, "Namespace"), esc(r.Namespace))
	sel := r.Selector
	if sel == "" {
		sel = "(none: every object)" // as analyze prints it
	}
	p("%s%s\n", label(0, "Label Selector"), esc(sel))
	p("%s%s\n", label(0, "Timestamp"), displayTime(r.Time))
	p("%s%s\n\n", label(0, "Overall Health"), esc(r.OverallHealth))
	p("Job Counts:\n")
	p("%s%d\n", label(2, "OK"), r.JobsOK)
	p("%s%d\n", label(2, "WARN"), r.JobsWarn)
	p("%s%d\n\n", label(2, "ERROR"), r.JobsError)
	if r.CaptureErrors > 0 {
		p("%s%d\n", label(0, "Capture Errors"), r.CaptureErrors)
	}
	p("%s%s\n", label(0, "Bundle"), esc(rs.BundlePath))
	p("%s%s\n", label(0, "History File"), esc(rs.HistoryPath))
	p("%s\n\n", rule80)
	return bw.Flush()
}

// CompactLine writes one line per record, for watch --compact:
// time, level, counts, namespace and bundle, then, when some Job is not
// OK, "not_ok=" and those Jobs in the record's order, each as
// NAME:HEALTH:CAUSE (":CAUSE" only when the record keeps one), comma
// separated.
func CompactLine(w io.Writer, r *history.Record) error {
	line := fmt.Appendf(nil, "%s %-7s ok=%d warn=%d error=%d capture_errors=%d ns=%s bundle=%s",
		displayTime(r.Time), esc(r.OverallHealth), r.JobsOK, r.JobsWarn, r.JobsError, r.CaptureErrors, esc(r.Namespace), dash(esc(r.Bundle)))
	sep := " not_ok="
	for _, j := range r.Jobs {
		if j.Health == history.LevelOK {
			continue
		}
		line = append(line, sep+esc(j.Name)+":"+esc(j.Health)...)
		if j.Cause != "" {
			line = append(line, ":"+esc(j.Cause)...)
		}
		sep = ","
	}
	_, err := w.Write(append(line, '\n'))
	return err
}

// HistoryClusters writes the fleet view as an aligned table, one row per
// cluster ("-" for records without a cluster).
func HistoryClusters(w io.Writer, stats []history.ClusterStat) error {
	bw := bufio.NewWriter(w)
	if len(stats) == 0 {
		fmt.Fprintln(bw, "No records found.")
		return bw.Flush()
	}
	tw := tabwriter.NewWriter(bw, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "CLUSTER\tRECORDS\tOK\tWARN\tERROR\tUNKNOWN\tLAST\tHEALTH\tSTREAK\tSINCE")
	for _, s := range stats {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\t%d\t%s\n", dash(esc(s.Cluster)), s.Records,
			s.Counts.OK, s.Counts.Warn, s.Counts.Error, s.Counts.Unknown, displayTime(s.Last), s.Level,
			s.Streak.Records, displayTime(s.Streak.Since))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	return bw.Flush()
}
