package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/internal/gen"
)

// testEnv is an env whose clock and kubectl fail the test if used: analyze
// must use neither.
func testEnv(t *testing.T) (*env, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(string) string { return "" },
		now:    func() time.Time { t.Error("analyze read the clock"); return time.Time{} },
		kubectl: func(kubectl.Exec) kubectl.Runner {
			t.Error("analyze built a kubectl runner")
			return nil
		},
	}, &out, &errb
}

// TestNewAnalyzeCmd checks flag parsing into options without running.
func TestNewAnalyzeCmd(t *testing.T) {
	def := analyze.DefaultOptions()
	tests := []struct {
		name    string
		args    []string
		want    func(o *analyze.Options)
		output  string
		strict  bool
		all     bool
		brief   bool
		ruleSet string // the version of the chosen rule set; "" is the newest
		wantErr string
	}{
		{name: "defaults", args: []string{"b.tar.zst"}, want: func(*analyze.Options) {}, output: "text"},
		{name: "every flag", args: []string{"--strict", "-o", "junit", "--warn-on-pending=false", "--treat-unknown-as-error=false",
			"--pending-after", "5m", "--max-runtime", "2h", "--restart-warn", "3", "--allow-empty", "--expect", "a", "--expect", "b", "--include-bare-pods", "dir"},
			want: func(o *analyze.Options) {
				o.WarnOnPending, o.TreatUnknownAsError, o.PendingAfter, o.MaxRuntime = false, false, 5*time.Minute, 2*time.Hour
				o.RestartWarn, o.AllowEmpty, o.Expect, o.IncludeBarePods = 3, true, []string{"a", "b"}, true
			}, output: "junit", strict: true},
		{name: "bad output", args: []string{"-o", "yaml", "x"}, wantErr: `-o "yaml": want one of html, json, junit, markdown, text`},
		{name: "report shape", args: []string{"--all", "--log-lines", "0", "-o", "markdown", "x"}, want: func(o *analyze.Options) { o.LogLines = 0 },
			output: "markdown", all: true},
		{name: "brief", args: []string{"--brief", "--log-lines", "3", "x"}, want: func(o *analyze.Options) { o.LogLines = 3 }, output: "text", brief: true},
		{name: "brief needs text", args: []string{"--brief", "-o", "markdown", "x"}, wantErr: "--brief applies to -o text only"},
		{name: "all needs text or markdown", args: []string{"--all", "-o", "json", "x"}, wantErr: "--all applies to -o text and markdown only"},
		{name: "negative log lines", args: []string{"--log-lines", "-2", "x"}, wantErr: "--log-lines -2: want 0 or more"},
		{name: "bad duration", args: []string{"--max-runtime", "0s", "x"}, wantErr: "--max-runtime 0s: must be positive"},
		{name: "no args", args: nil, wantErr: "requires at least 1 arg(s), only received 0"},
		{name: "ruleset by name", args: []string{"--ruleset", "v1", "x"}, want: func(*analyze.Options) {}, output: "text", ruleSet: "ksnap-rules/1"},
		{name: "ruleset by version", args: []string{"--ruleset", "ksnap-rules/1", "x"}, want: func(*analyze.Options) {}, output: "text", ruleSet: "ksnap-rules/1"},
		{name: "unknown ruleset", args: []string{"--ruleset", "v0", "x"}, wantErr: `--ruleset: unknown rule set "v0" (known: v1, v2)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, _ := testEnv(t)
			var got *analyzeOptions
			cmd := newAnalyzeCmd(e, func(o *analyzeOptions) error { got = o; return nil })
			usageArgs(cmd)
			cmd.SetArgs(tt.args)
			cmd.SetOut(e.stdout)
			cmd.SetErr(e.stderr)
			err := cmd.Execute()
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			want := def
			tt.want(&want)
			if want.Expect == nil {
				want.Expect = []string{}
			}
			if got.Analyze.Expect == nil {
				got.Analyze.Expect = []string{}
			}
			if !reflect.DeepEqual(got.Analyze, want) || got.Output != tt.output || got.Strict != tt.strict || got.All != tt.all || got.Brief != tt.brief {
				t.Errorf("options = %+v (output %s strict %v all %v brief %v), want %+v", got.Analyze, got.Output, got.Strict, got.All, got.Brief, want)
			}
			if tt.ruleSet == "" {
				tt.ruleSet = rules.Default().Version()
			}
			if got.Rules.Version() != tt.ruleSet {
				t.Errorf("rule set = %q, want %q", got.Rules.Version(), tt.ruleSet)
			}
		})
	}
}

// TestRunAnalyzeInProcess runs the whole command on a generated bundle
// twice: same bytes, exit code of the worst verdict, no clock, no kubectl.
func TestRunAnalyzeInProcess(t *testing.T) {
	dir := t.TempDir()
	if _, err := gen.Generate(gen.Options{Pods: 40}).Write(dir); err != nil {
		t.Fatal(err)
	}
	var first []byte
	for i := 0; i < 2; i++ {
		e, out, errb := testEnv(t)
		if code := run(context.Background(), []string{"analyze", "-o", "json", dir}, e); code != exitError {
			t.Errorf("exit = %d, want %d; stderr %s", code, exitError, errb)
		}
		if errb.Len() != 0 {
			t.Errorf("stderr = %q", errb)
		}
		if i == 0 {
			first = append([]byte(nil), out.Bytes()...)
		} else if !bytes.Equal(first, out.Bytes()) {
			t.Error("two runs gave different bytes")
		}
	}
	matches, _ := filepath.Glob(filepath.Join(dir, "*.tar.zst"))
	if len(matches) != 1 {
		t.Fatalf("bundles = %v", matches)
	}
	if _, err := os.Stat(matches[0]); err != nil {
		t.Fatal(err)
	}
}

func TestVerdictCode(t *testing.T) {
	tests := []struct {
		v      string
		strict bool
		want   int
	}{
		{"OK", false, 0}, {"OK", true, 0}, {"WARN", false, 0}, {"WARN", true, 1},
		{"ERROR", false, 2}, {"ERROR", true, 2}, {"UNKNOWN", false, 3}, {"UNKNOWN", true, 3},
	}
	for _, tt := range tests {
		var l = mustLevel(t, tt.v)
		if got := verdictCode(l, tt.strict); got != tt.want {
			t.Errorf("verdictCode(%s, strict=%v) = %d, want %d", tt.v, tt.strict, got, tt.want)
		}
	}
}

func mustLevel(t *testing.T, s string) model.Level {
	t.Helper()
	l, err := model.ParseLevel(s)
	if err != nil {
		t.Fatal(err)
	}
	return l
}
