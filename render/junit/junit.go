// Package junit renders analysis reports as one JUnit XML document for CI
// systems (Write, Reports). It owns the mapping of levels to JUnit results:
// ERROR is a failure, UNKNOWN an error, WARN passes with its findings on
// system-out unless Options.Strict makes it a failure, and a bundle that
// could not be read is an error.
//
// Every string from a bundle is escaped with textutil.Terminal before it
// is encoded, so the document holds only XML 1.0 characters and each name
// stays on one line, whatever the cluster put in it.
//
// It may import analyze, analyze/model and internal/*; it never imports
// os, net or capture, and analyze does not import it. encoding/xml is
// imported only by renderers.
package junit

import (
	"bufio"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/internal/textutil"
)

// Entry is one bundle of a batch: its report, or the error that kept it
// from being read (Report nil).
type Entry struct {
	// Path names the bundle as given; it names the testsuite of an
	// unreadable bundle.
	Path   string
	Report *analyze.Report
	Err    error
}

// Options shape the document.
type Options struct {
	// Strict makes WARN a <failure type="WARN">, as --strict makes it exit 1.
	Strict bool
}

// Reports renders reports with the default Options.
func Reports(w io.Writer, reps ...*analyze.Report) error {
	es := make([]Entry, len(reps))
	for i, r := range reps {
		es[i] = Entry{Path: r.Bundle.File, Report: r}
	}
	return Write(w, es, Options{})
}

// The document's structure: the element and attribute names of the JUnit
// schema that Jenkins, GitLab and GitHub read (TestSchema checks it).
type (
	result struct {
		Type    string `xml:"type,attr"`
		Message string `xml:"message,attr"`
		Body    string `xml:",cdata"`
	}
	sysOut struct {
		Body string `xml:",cdata"`
	}
	testcase struct {
		XMLName   xml.Name `xml:"testcase"`
		Classname string   `xml:"classname,attr"`
		Name      string   `xml:"name,attr"`
		Time      string   `xml:"time,attr"`
		Failure   *result  `xml:"failure,omitempty"`
		Error     *result  `xml:"error,omitempty"`
		SystemOut *sysOut  `xml:"system-out,omitempty"`
	}
	property struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	testsuite struct {
		XMLName    xml.Name   `xml:"testsuite"`
		Name       string     `xml:"name,attr"`
		Tests      int        `xml:"tests,attr"`
		Failures   int        `xml:"failures,attr"`
		Errors     int        `xml:"errors,attr"`
		Time       string     `xml:"time,attr"`
		Timestamp  string     `xml:"timestamp,attr,omitempty"`
		Properties []property `xml:"properties>property"`
		Cases      []testcase
	}
	testsuites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Name     string   `xml:"name,attr"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Time     string   `xml:"time,attr"`
		Suites   []testsuite
	}
)

// Write renders a batch as one JUnit XML document: a <testsuites> holding
// one <testsuite> per bundle (named by the bundle file, in the order
// given) with:
//
//   - one <testcase> per Job: classname "NAMESPACE/OWNER" (e.g.
//     "batch/CronJob/nightly"), or the namespace for a Job without owner;
//     name "Job/NAME"; time the seconds from its start to its completion
//     (to its failure, or to the capture while it runs), 0 when unknown;
//   - one <testcase> per bare pod, the same way ("Pod/NAME", from its
//     start to the capture);
//   - one <testcase> classname "bundle" named by the file, for the
//     bundle-level findings (capture failures, input problems, no Jobs,
//     expected Jobs);
//   - for an unreadable bundle, a testsuite with one testcase "bundle"
//     holding <error type="UNREADABLE"> and the error.
//
// ERROR becomes <failure type="ERROR">, UNKNOWN <error type="UNKNOWN">,
// each with the cause as its message and every finding of level WARN or
// worse, one per line, as its text. WARN passes with its findings on
// <system-out>, because CI systems would otherwise fail builds the exit
// code lets pass; with o.Strict it is <failure type="WARN">. <system-out>
// also holds the log tails of the failing containers, each line prefixed
// "| ".
func Write(w io.Writer, entries []Entry, o Options) error {
	doc := testsuites{Name: "ksnap analyze"}
	var total time.Duration
	for _, e := range entries {
		var s testsuite
		var d time.Duration
		if e.Report == nil {
			s = unreadable(e)
		} else {
			s, d = suite(e.Report, o)
		}
		for _, c := range s.Cases {
			s.Tests++
			if c.Failure != nil {
				s.Failures++
			}
			if c.Error != nil {
				s.Errors++
			}
		}
		total += d
		s.Time = seconds(d)
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Suites = append(doc.Suites, s)
	}
	doc.Time = seconds(total)
	bw := bufio.NewWriter(w)
	bw.WriteString(xml.Header)
	enc := xml.NewEncoder(bw)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	bw.WriteString("\n")
	return bw.Flush()
}

var esc = textutil.Terminal

func unreadable(e Entry) testsuite {
	msg := "unreadable"
	if e.Err != nil {
		msg = textutil.OneLine(e.Err.Error())
	}
	return testsuite{Name: esc(e.Path), Cases: []testcase{{
		Classname: "bundle", Name: esc(e.Path), Time: seconds(0),
		Error: &result{Type: "UNREADABLE", Message: esc(msg), Body: esc(msg)},
	}}}
}

// suite is a readable bundle's testsuite and the sum of its cases' times.
func suite(rep *analyze.Report, o Options) (testsuite, time.Duration) {
	s := testsuite{Name: esc(rep.Bundle.File), Timestamp: esc(rep.CapturedAt), Properties: []property{
		{"namespace", esc(rep.Namespace)}, {"selector", esc(rep.Selector)}, {"sha256", esc(rep.Bundle.SHA256)},
		{"rule_set", esc(rep.RuleSet)}, {"verdict", rep.Verdict.String()},
	}}
	now, _ := time.Parse(time.RFC3339Nano, rep.CapturedAt)
	bundleLevel := model.LevelOK
	for _, f := range rep.Findings {
		bundleLevel = bundleLevel.Worst(f.Level)
	}
	var total time.Duration
	add := func(c caseParts, d time.Duration, logs []string) {
		c.Time = seconds(d)
		total += d
		s.Cases = append(s.Cases, c.tc(logs))
	}
	add(mk(o, "bundle", rep.Bundle.File, bundleLevel, nil, rep.Findings), 0, nil)
	for i := range rep.Jobs {
		j := &rep.Jobs[i]
		fs := append([]model.Finding(nil), j.Findings...)
		var logs []string
		for k := range j.Pods {
			fs = append(fs, j.Pods[k].Findings...)
			logs = appendLogs(logs, rep.Bundle.File, &j.Pods[k])
		}
		add(mk(o, classname(j.Namespace, j.Owner), "Job/"+j.Name, j.Health, j.Cause, fs), jobTime(j, now), logs)
	}
	for i := range rep.BarePods {
		p := &rep.BarePods[i]
		var d time.Duration
		if start, err := time.Parse(time.RFC3339, p.StartTime); err == nil && !now.IsZero() {
			d = max(now.Sub(start), 0)
		}
		add(mk(o, classname(p.Namespace, p.Owner), "Pod/"+p.Name, p.Health, p.Cause, p.Findings), d, appendLogs(nil, rep.Bundle.File, p))
	}
	return s, total
}

// caseParts is a testcase before its system-out is complete.
type caseParts struct {
	testcase
	findingLines []string // on system-out when the case passes
}

func (c caseParts) tc(logs []string) testcase {
	out := c.findingLines
	if c.Failure != nil || c.Error != nil {
		out = nil
	}
	out = append(out, logs...)
	if len(out) > 0 {
		c.SystemOut = &sysOut{Body: strings.Join(out, "\n")}
	}
	return c.testcase
}

func mk(o Options, class, name string, health model.Level, cause *analyze.Cause, fs []model.Finding) caseParts {
	c := caseParts{testcase: testcase{Classname: esc(class), Name: esc(name)}}
	first := ""
	for i := range fs {
		f := &fs[i]
		if f.Level == model.LevelOK {
			continue
		}
		msg := analyze.FullMessage(f)
		c.findingLines = append(c.findingLines, esc(f.Level.String()+" "+f.Rule+" "+msg))
		if first == "" && f.Level == health {
			first = f.Rule + " " + msg
		}
	}
	if cause != nil {
		first = cause.Rule + " " + cause.Text()
		if cause.Age != "" {
			first += " (" + cause.Age + " before capture)"
		}
	}
	body := strings.Join(c.findingLines, "\n")
	switch {
	case health == model.LevelError:
		c.Failure = &result{Type: "ERROR", Message: esc(first), Body: body}
	case health == model.LevelUnknown:
		c.Error = &result{Type: "UNKNOWN", Message: esc(first), Body: body}
	case health == model.LevelWarn && o.Strict:
		c.Failure = &result{Type: "WARN", Message: esc(first), Body: body}
	}
	return c
}

func classname(ns, owner string) string {
	if owner == "" {
		return ns
	}
	return ns + "/" + owner
}

// jobTime is how long a Job ran: start to completion, to its failure (its
// cause's time) or, while it runs, to the capture; 0 when unknown.
func jobTime(j *analyze.JobResult, now time.Time) time.Duration {
	start, err := time.Parse(time.RFC3339, j.StartTime)
	if err != nil {
		return 0
	}
	end := now
	switch {
	case j.CompletionTime != "":
		if t, err := time.Parse(time.RFC3339, j.CompletionTime); err == nil {
			end = t
		}
	case j.Phase == model.PhaseFailed && j.Cause != nil && j.Cause.Since != "":
		if t, err := time.Parse(time.RFC3339, j.Cause.Since); err == nil {
			end = t
		}
	}
	if end.IsZero() {
		return 0
	}
	return max(end.Sub(start), 0)
}

// appendLogs adds a pod's log tails as system-out lines.
func appendLogs(out []string, bundleFile string, p *analyze.PodResult) []string {
	for _, lt := range p.LogTails {
		what := "log of pod " + p.Name + " container " + lt.Container
		if lt.Previous {
			what = "previous " + what
		}
		switch {
		case lt.Status != "ok":
			out = append(out, esc(what+": not captured ("+strings.ReplaceAll(lt.Status, "_", " ")+noteSuffix(lt.Note)+")"))
			continue
		default:
			out = append(out, esc(fmt.Sprintf("%s: last %d of %d lines (all: ksnap bundle cat %s %s)", what, len(lt.Lines), lt.Captured, bundleFile, lt.Member)))
		}
		for _, l := range lt.Lines {
			out = append(out, "| "+esc(l))
		}
	}
	return out
}

func noteSuffix(n string) string {
	if n == "" {
		return ""
	}
	return ": " + n
}

// seconds prints a duration as JUnit's time: seconds with three decimals.
func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Round(time.Millisecond).Seconds(), 'f', 3, 64)
}
