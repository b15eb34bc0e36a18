package analyze

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
)

const testNow = "2025-11-16T10:00:00Z"

// src builds a MapSource captured at testNow in namespace ns with the given
// members; a member given as "" is recorded as a failed command. Members
// not given are not captured.
func src(t *testing.T, members map[string]string) *MapSource {
	t.Helper()
	m := &bundle.Manifest{
		Format: bundle.Format, FormatVersion: bundle.FormatVersion, Source: bundle.SourceCapture,
		CapturedAt: testNow, Namespace: "ns", Selector: "app=x",
	}
	data := map[string][]byte{}
	for _, k := range []struct{ kind, member string }{
		{bundle.KindJobs, bundle.JobsMember}, {bundle.KindPods, bundle.PodsMember}, {bundle.KindEvents, bundle.EventsMember},
	} {
		body, ok := members[k.member]
		switch {
		case !ok:
			m.Commands = append(m.Commands, bundle.Command{Kind: k.kind, Status: bundle.StatusNotCaptured, ExitCode: -1})
		case body == "":
			m.Commands = append(m.Commands, bundle.Command{Kind: k.kind, Status: bundle.StatusFailed, ExitCode: 1,
				Stderr: "Error from server (Forbidden): " + k.kind + " is forbidden\n"})
		default:
			m.Commands = append(m.Commands, bundle.Command{Kind: k.kind, Member: k.member, Status: bundle.StatusOK})
			data[k.member] = []byte(body)
		}
	}
	return &MapSource{File: "test.tar.zst", Sum: strings.Repeat("0", 64), Man: m, Members: data}
}

// mustEval evaluates under v1: the tests that use it are v1's
// specification (v2_test.go has what v2 changes).
func mustEval(t *testing.T, s Source, o Options) *Report {
	t.Helper()
	return evalWith(t, rules.V1(), s, o)
}

func evalWith(t *testing.T, rs rules.RuleSet, s Source, o Options) *Report {
	t.Helper()
	rep, err := Evaluate(s, rs, o)
	if err != nil {
		t.Fatalf("Evaluate: %v", err)
	}
	return rep
}

// rl is a finding reduced to rule and level, for table tests.
type rl struct {
	Rule  string
	Level model.Level
}

func ruleLevels(fs []model.Finding) []rl {
	out := []rl{}
	for _, f := range fs {
		out = append(out, rl{f.Rule, f.Level})
	}
	return out
}

func list(items ...string) string {
	return `{"apiVersion":"v1","kind":"List","items":[` + strings.Join(items, ",") + `]}`
}

func filepathGlob(p string) ([]string, error) { return filepath.Glob(p) }

func readFile(p string) ([]byte, error) { return os.ReadFile(p) }
