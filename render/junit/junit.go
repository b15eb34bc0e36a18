// Package junit renders analysis reports as one JUnit XML document for CI
// systems (Reports). It owns the mapping of levels to JUnit results: ERROR
// is a failure, UNKNOWN an error, WARN passes with its findings on
// system-out.
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
	"strings"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
)

// Reports renders reports as one JUnit XML document: a <testsuites>
// holding one <testsuite> per bundle (named by the bundle file, in the
// order given) with:
//
//   - one <testcase> per Job (classname "job", name "<namespace>/<name>")
//     and per bare pod (classname "pod");
//   - one <testcase> "bundle" for the bundle-level findings (capture
//     failures, input problems, no Jobs, expected Jobs).
//
// ERROR becomes <failure type="ERROR">; UNKNOWN becomes <error
// type="UNKNOWN">. WARN is deliberately not a failure: the testcase passes
// and its findings go to <system-out>, each line prefixed with its level,
// because CI systems would otherwise fail builds the exit code (without
// --strict) lets pass. The exit code, not the XML, carries --strict.
func Reports(w io.Writer, reps ...*analyze.Report) error {
	type result struct {
		XMLName xml.Name `xml:"failure"`
		Type    string   `xml:"type,attr"`
		Message string   `xml:"message,attr"`
		Body    string   `xml:",cdata"`
	}
	type errResult struct {
		XMLName xml.Name `xml:"error"`
		Type    string   `xml:"type,attr"`
		Message string   `xml:"message,attr"`
		Body    string   `xml:",cdata"`
	}
	type sysOut struct {
		Body string `xml:",cdata"`
	}
	type testcase struct {
		XMLName   xml.Name   `xml:"testcase"`
		Classname string     `xml:"classname,attr"`
		Name      string     `xml:"name,attr"`
		Failure   *result    `xml:",omitempty"`
		Error     *errResult `xml:",omitempty"`
		SystemOut *sysOut    `xml:"system-out,omitempty"`
	}
	type property struct {
		Name  string `xml:"name,attr"`
		Value string `xml:"value,attr"`
	}
	type testsuite struct {
		XMLName    xml.Name   `xml:"testsuite"`
		Name       string     `xml:"name,attr"`
		Tests      int        `xml:"tests,attr"`
		Failures   int        `xml:"failures,attr"`
		Errors     int        `xml:"errors,attr"`
		Timestamp  string     `xml:"timestamp,attr"`
		Properties []property `xml:"properties>property"`
		Cases      []testcase
	}
	type testsuites struct {
		XMLName  xml.Name `xml:"testsuites"`
		Name     string   `xml:"name,attr"`
		Tests    int      `xml:"tests,attr"`
		Failures int      `xml:"failures,attr"`
		Errors   int      `xml:"errors,attr"`
		Suites   []testsuite
	}
	mk := func(class, name string, health model.Level, fs []model.Finding) testcase {
		tc := testcase{Classname: class, Name: name}
		var lines []string
		first := ""
		for _, f := range fs {
			if f.Level == model.LevelOK {
				continue
			}
			lines = append(lines, fmt.Sprintf("%s %s %s", f.Level, f.Rule, f.Message))
			if first == "" && f.Level == health {
				first = f.Rule + " " + f.Message
			}
		}
		body := strings.Join(lines, "\n")
		switch health {
		case model.LevelError:
			tc.Failure = &result{Type: "ERROR", Message: first, Body: body}
		case model.LevelUnknown:
			tc.Error = &errResult{Type: "UNKNOWN", Message: first, Body: body}
		case model.LevelWarn:
			tc.SystemOut = &sysOut{Body: body}
		}
		return tc
	}
	doc := testsuites{Name: "ksnap analyze"}
	for _, rep := range reps {
		s := testsuite{Name: rep.Bundle.File, Timestamp: rep.CapturedAt, Properties: []property{
			{"namespace", rep.Namespace}, {"selector", rep.Selector}, {"sha256", rep.Bundle.SHA256},
			{"rule_set", rep.RuleSet}, {"verdict", rep.Verdict.String()},
		}}
		bundleLevel := model.LevelOK
		for _, f := range rep.Findings {
			bundleLevel = bundleLevel.Worst(f.Level)
		}
		s.Cases = append(s.Cases, mk("bundle", rep.Bundle.File, bundleLevel, rep.Findings))
		for i := range rep.Jobs {
			j := &rep.Jobs[i]
			fs := append([]model.Finding(nil), j.Findings...)
			for k := range j.Pods {
				fs = append(fs, j.Pods[k].Findings...)
			}
			s.Cases = append(s.Cases, mk("job", j.Namespace+"/"+j.Name, j.Health, fs))
		}
		for i := range rep.BarePods {
			p := &rep.BarePods[i]
			s.Cases = append(s.Cases, mk("pod", p.Namespace+"/"+p.Name, p.Health, p.Findings))
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
		doc.Tests += s.Tests
		doc.Failures += s.Failures
		doc.Errors += s.Errors
		doc.Suites = append(doc.Suites, s)
	}
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
