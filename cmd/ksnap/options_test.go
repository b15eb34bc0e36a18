package main

import (
	"github.com/ksnap/ksnap/history/jsonl"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/pipeline"
	"github.com/spf13/cobra"
)

// parseOptions builds a command with a runF hook, runs it on args with the
// environment vars, and returns the options runF received (nil when the
// command failed before calling it). Nothing runs: no kubectl, no files.
func parseOptions[T any](t *testing.T, newCmd func(*env, func(*T) error) *cobra.Command, vars map[string]string, args []string) (*T, error) {
	t.Helper()
	e, _, _ := testEnv(t)
	e.getenv = func(k string) string { return vars[k] }
	var got *T
	cmd := newCmd(e, func(o *T) error { got = o; return nil })
	usageArgs(cmd)
	cmd.SetArgs(args)
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return got, cmd.Execute()
}

// checkErr fails unless err is exactly wantErr ("" for none).
func checkErr(t *testing.T, err error, wantErr string) bool {
	t.Helper()
	if wantErr != "" {
		if err == nil || err.Error() != wantErr {
			t.Fatalf("err = %v, want %q", err, wantErr)
		}
		return false
	}
	if err != nil {
		t.Fatal(err)
	}
	return true
}

// kubeconfig writes a kubeconfig whose current-context is name.
func kubeconfig(t *testing.T, name string) string {
	p := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(p, []byte("apiVersion: v1\nkind: Config\ncurrent-context: "+name+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// captureOf is the comparable part of capture options (Now and Log are
// the env's clock and logger).
func captureOf(o capture.Options) capture.Options {
	o.Now, o.Log = nil, nil
	return o
}

// defaultCapture is what -n ns alone gives.
var defaultCapture = capture.Options{Namespace: "ns", OutDir: "bundles", MaxLogLines: 100, Logs: capture.LogsAll, Timeout: 30 * time.Second}

var defaultExec = kubectl.Exec{Path: "kubectl", Timeout: 30 * time.Second, MaxStdout: bundle.MaxMemberSize + 1, MaxLogStdout: 2 * bundle.MaxLogTail}

func TestNewCaptureCmd(t *testing.T) {
	kc := kubeconfig(t, "from-kubeconfig")
	env := map[string]string{"KSNAP_BUNDLE_DIR": "/env/bundles", "KSNAP_KUBECTL": "/env/kubectl", "KUBECONFIG": kc}
	clean := func(o *captureOptions) { o.flags, o.Capture = captureFlags{}, captureOf(o.Capture) }
	with := func(f func(*capture.Options, *kubectl.Exec)) captureOptions {
		o := captureOptions{Capture: defaultCapture, Kubectl: defaultExec}
		f(&o.Capture, &o.Kubectl)
		return o
	}
	checkOptions(t, newCaptureCmd, clean, []optionCase[captureOptions]{
		{name: "defaults", args: []string{"-n", "ns"}, want: with(func(*capture.Options, *kubectl.Exec) {})},
		{name: "env", env: env, args: []string{"-n", "ns"}, want: with(func(o *capture.Options, x *kubectl.Exec) {
			o.OutDir, o.ContextName, o.Cluster, x.Path = "/env/bundles", "from-kubeconfig", "from-kubeconfig", "/env/kubectl"
		})},
		{name: "flags win over env", env: env, args: []string{"-n", "ns", "--label-selector", "app=x", "--out", "o", "--kubectl", "k",
			"--context", "c", "--kubeconfig", kc, "--max-log-lines", "0", "--logs", "failed", "--timeout", "5s"},
			want: with(func(o *capture.Options, x *kubectl.Exec) {
				o.Selector, o.OutDir, o.ContextName, o.Cluster, o.MaxLogLines, o.Logs, o.Timeout = "app=x", "o", "c", "c", 0, capture.LogsFailed, 5*time.Second
				*x = kubectl.Exec{Path: "k", Kubeconfig: kc, Context: "c", Timeout: 5 * time.Second, MaxStdout: bundle.MaxMemberSize + 1, MaxLogStdout: 2 * bundle.MaxLogTail}
			})},
		{name: "metrics", args: []string{"-n", "ns", "--metrics"}, want: with(func(o *capture.Options, _ *kubectl.Exec) { o.Metrics = true })},
		{name: "no namespace", wantErr: "required flag -n/--namespace not set"},
		{name: "bad logs", args: []string{"-n", "ns", "--logs", "some"}, wantErr: `--logs "some": want all, failed or none`},
		{name: "bad tail", args: []string{"-n", "ns", "--max-log-lines", "-1"}, wantErr: "--max-log-lines -1: must be 0 (no logs) or more"},
		{name: "bad timeout", args: []string{"-n", "ns", "--timeout", "0s"}, wantErr: "--timeout 0s: must be positive"},
		{name: "bundle dir", args: []string{"-n", "ns", "--bundle-dir", "d", "--timeout", "1d"}, want: with(func(o *capture.Options, x *kubectl.Exec) {
			o.OutDir, o.Timeout, x.Timeout = "d", 24*time.Hour, 24*time.Hour
		})},
		{name: "args", args: []string{"-n", "ns", "x"}, wantErr: `unknown command "x" for "capture"`},
	})
}

func TestNewRecordCmd(t *testing.T) {
	env := map[string]string{"KSNAP_BUNDLE_DIR": "/env/bundles", "KSNAP_HISTORY_FILE": "/env/h.jsonl"}
	clean := func(o *recordOptions) {
		o.flags, o.file, o.bundleDir, o.Capture = captureFlags{}, historyFileFlag{}, "", captureOf(o.Capture)
		o.analysis, o.Pipeline = analysisFlags{}, comparablePipeline(o.Pipeline)
	}
	want := func(outDir, history string, strict bool) recordOptions {
		o := recordOptions{Capture: defaultCapture, Kubectl: defaultExec, HistoryPath: history, Strict: strict, LockTimeout: jsonl.DefaultLockTimeout}
		o.Capture.OutDir = outDir
		return o
	}
	analysis := want("bundles", defaultHistoryFile, false)
	analysis.Pipeline = pipelineOf(pipeline.DefaultOptions())
	a := &analysis.Pipeline.Analyze
	a.Expect, a.MaxRuntime, a.IncludeBarePods, a.RestartWarn, a.PendingAfter = []string{"a", "b"}, 2*time.Hour, true, 2, time.Minute
	a.WarnOnPending, a.TreatUnknownAsError, a.AllowEmpty = false, false, true
	analysis.Pipeline.BaseRuleSet = "ksnap-rules/1"
	checkOptions(t, newRecordCmd, clean, []optionCase[recordOptions]{
		{name: "analysis options", args: []string{"-n", "ns", "--expect", "a", "--expect", "b", "--max-runtime", "2h", "--ruleset", "v1", "--include-bare-pods",
			"--restart-warn", "2", "--pending-after", "1m", "--warn-on-pending=false", "--treat-unknown-as-error=false", "--allow-empty"}, want: analysis},
		{name: "bad analysis option", args: []string{"-n", "ns", "--max-runtime", "0s"}, wantErr: "--max-runtime 0s: must be positive"},
		{name: "comma in --expect", args: []string{"-n", "ns", "--expect", "a,b"}, wantErr: `--expect "a,b": a Job or CronJob name has no comma`},
		{name: "defaults", args: []string{"-n", "ns"}, want: want("bundles", defaultHistoryFile, false)},
		{name: "env", env: env, args: []string{"-n", "ns"}, want: want("/env/bundles", "/env/h.jsonl", false)},
		{name: "flags win over env", env: env, args: []string{"-n", "ns", "--bundle-dir", "b", "--history-file", "h", "--strict"}, want: want("b", "h", true)},
		{name: "no --out", args: []string{"-n", "ns", "--out", "x"}, wantErr: "unknown flag: --out"},
		{name: "no namespace", wantErr: "required flag -n/--namespace not set"},
	})
}

func TestNewWatchCmd(t *testing.T) {
	clean := func(o *watchOptions) {
		o.flags, o.Capture = captureFlags{}, captureOf(o.Capture)
		o.analysis, o.Pipeline = analysisFlags{}, comparablePipeline(o.Pipeline)
	}
	c := defaultCapture
	c.OutDir = "" // set per run: --bundle-dir or a temporary directory
	expect := watchOptions{Interval: 5 * time.Second, Capture: c, Kubectl: defaultExec, Pipeline: pipelineOf(pipeline.DefaultOptions())}
	expect.Pipeline.Analyze.Expect = []string{"nightly"}
	checkOptions(t, newWatchCmd, clean, []optionCase[watchOptions]{
		{name: "analysis options", args: []string{"-n", "ns", "--expect", "nightly"}, want: expect},
		{name: "defaults", args: []string{"-n", "ns"}, want: watchOptions{Interval: 5 * time.Second, Capture: c, Kubectl: defaultExec}},
		{name: "every flag", args: []string{"-n", "ns", "--interval", "1m", "--count", "3", "--bundle-dir", "b", "--compact", "--strict"},
			want: watchOptions{Interval: time.Minute, Count: 3, BundleDir: "b", Compact: true, Strict: true, Capture: c, Kubectl: defaultExec}},
		{name: "old spellings", args: []string{"--namespace", "ns", "--label-selector", "app=x", "--interval", "5", "--save-bundles", "b"},
			want: func() watchOptions {
				w := watchOptions{Interval: 5 * time.Second, BundleDir: "b", Capture: c, Kubectl: defaultExec}
				w.Capture.Selector = "app=x"
				return w
			}()},
		{name: "interval 0 is one shot", args: []string{"-n", "ns", "--interval", "0"}, want: watchOptions{Count: 1, Capture: c, Kubectl: defaultExec}},
		{name: "bad interval", args: []string{"-n", "ns", "--interval", "0s", "--count", "2"}, wantErr: "--interval 0s: must be positive (for one capture, use --count 1)"},
		{name: "negative interval", args: []string{"-n", "ns", "--interval", "-5"}, wantErr: "--interval -5s: must be positive (for one capture, use --count 1)"},
		{name: "bad count", args: []string{"-n", "ns", "--count", "-1"}, wantErr: "--count -1: must be 0 (forever) or more"},
		{name: "no namespace", wantErr: "required flag -n/--namespace not set"},
	})
}

// pipelineOf is what a test can compare of pipeline options: the rule
// set's version (in BaseRuleSet), the analysis options and the rules file
// (a rule set and a loader hold functions, which never compare equal).
func pipelineOf(o pipeline.Options) pipeline.Options {
	return pipeline.Options{Analyze: o.Analyze, BaseRuleSet: o.RuleSet.Version(), RulesFile: o.RulesFile}
}

// comparablePipeline is pipelineOf o, and the zero value for the default
// options (what most cases want).
func comparablePipeline(o pipeline.Options) pipeline.Options {
	p := pipelineOf(o)
	if reflect.DeepEqual(p, pipelineOf(pipeline.DefaultOptions())) {
		return pipeline.Options{}
	}
	return p
}

// optionCase is one flag combination and the options it must parse into.
type optionCase[T any] struct {
	name    string
	env     map[string]string
	args    []string
	want    T
	wantErr string
}

// checkOptions runs each case through newCmd and compares the whole
// parsed options, after clean has cleared what the case cannot spell
// (the raw flag fields the options were resolved from).
func checkOptions[T any](t *testing.T, newCmd func(*env, func(*T) error) *cobra.Command, clean func(*T), cases []optionCase[T]) {
	t.Helper()
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOptions(t, newCmd, tt.env, tt.args)
			if !checkErr(t, err, tt.wantErr) {
				return
			}
			if clean != nil {
				clean(got)
			}
			if !reflect.DeepEqual(*got, tt.want) {
				t.Errorf("options = %+v, want %+v", *got, tt.want)
			}
		})
	}
}

func TestNewHistoryShowCmd(t *testing.T) {
	since := time.Date(2025, 11, 1, 0, 0, 0, 0, time.UTC)
	until := time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC)
	clean := func(o *historyShowOptions) {
		o.file, o.filters = historyFileFlag{}, historyFilterFlags{}
		o.Filter.Since, o.Filter.Until = o.Filter.Since.UTC(), o.Filter.Until.UTC() // the same instants; the zone is the input's
	}
	def := historyShowOptions{Path: defaultHistoryFile, Limit: 20, EscalateAfter: history.DefaultEscalateAfter, Output: "text"}
	with := func(f func(*historyShowOptions)) historyShowOptions { o := def; f(&o); return o }
	checkOptions(t, newHistoryShowCmd, clean, []optionCase[historyShowOptions]{
		{name: "defaults", want: def},
		{name: "env file", env: map[string]string{"KSNAP_HISTORY_FILE": "e.jsonl"}, want: with(func(o *historyShowOptions) { o.Path = "e.jsonl" })},
		{name: "every flag", env: map[string]string{"KSNAP_HISTORY_FILE": "e.jsonl"},
			args: []string{"--history-file", "h", "--limit", "5", "--summary-only", "--window", "9", "--escalate-after", "2", "-o", "json",
				"-n", "ns", "-l", "app=x", "--since", "2025-11-01T00:00:00Z", "--until", "2025-11-16T19:00:00+09:00"},
			want: historyShowOptions{Path: "h", Limit: 5, SummaryOnly: true, Window: 9, EscalateAfter: 2, Output: "json",
				Filter: history.Filter{Namespace: "ns", Selector: "app=x", Since: since, Until: until}}},
		{name: "bad limit", args: []string{"--limit", "0"}, wantErr: "--limit 0: must be a positive number of records (there is no 0 for all; use history summary for totals)"},
		{name: "bad since", args: []string{"--since", "yesterday"}, wantErr: `--since "yesterday": want an RFC 3339 time such as 2025-11-16T10:00:00Z`},
		{name: "until before since", args: []string{"--since", "2025-11-02T00:00:00Z", "--until", "2025-11-01T00:00:00Z"},
			wantErr: "--until 2025-11-01T00:00:00Z is before --since 2025-11-02T00:00:00Z"},
	})
	checkOptions(t, newHistorySummaryCmd, clean, []optionCase[historyShowOptions]{
		{name: "summary defaults", want: with(func(o *historyShowOptions) { o.Limit = 1 })},
		{name: "summary window", args: []string{"--window", "288", "-o", "json"}, want: with(func(o *historyShowOptions) { o.Limit, o.Window, o.Output = 1, 288, "json" })},
		{name: "summary has no --limit", args: []string{"--limit", "3"}, wantErr: "unknown flag: --limit"},
		{name: "bad window", args: []string{"--window", "0"}, wantErr: "--window 0: must be a positive number of records (omit it to summarize all)"},
		{name: "bad output", args: []string{"-o", "junit"}, wantErr: `-o "junit": want text or json`},
	})
}

func TestNewHistoryPruneCmd(t *testing.T) {
	clean := func(o *historyPruneOptions) { o.file = historyFileFlag{} }
	checkOptions(t, newHistoryPruneCmd, clean, []optionCase[historyPruneOptions]{
		{name: "keep last", args: []string{"--keep-last", "10"}, want: historyPruneOptions{Path: defaultHistoryFile, KeepLast: 10, LockTimeout: jsonl.DefaultLockTimeout}},
		{name: "both and env", env: map[string]string{"KSNAP_HISTORY_FILE": "e.jsonl"}, args: []string{"--keep-last", "10", "--older-than", "48h", "--dry-run"},
			want: historyPruneOptions{Path: "e.jsonl", KeepLast: 10, OlderThan: 48 * time.Hour, DryRun: true, LockTimeout: jsonl.DefaultLockTimeout}},
		{name: "nothing", wantErr: "set --keep-last N or --older-than DURATION"},
		{name: "zero", args: []string{"--keep-last", "0"}, wantErr: "--keep-last 0: must be a positive number of records"},
		{name: "negative", args: []string{"--older-than", "-1h"}, wantErr: "--older-than -1h0m0s: must be a positive duration"},
		{name: "weeks", args: []string{"--older-than", "12w"}, want: historyPruneOptions{Path: defaultHistoryFile, OlderThan: 12 * 7 * 24 * time.Hour, LockTimeout: jsonl.DefaultLockTimeout}},
	})
}

func TestNewHistoryRebuildCmd(t *testing.T) {
	checkOptions(t, newHistoryRebuildCmd, nil, []optionCase[historyRebuildOptions]{
		{name: "both", args: []string{"--bundle-dir", "b", "--history-file", "h.jsonl"}, want: historyRebuildOptions{BundleDir: "b", HistoryFile: "h.jsonl"}},
		{name: "old spellings", args: []string{"--from", "b", "-o", "h.jsonl"}, want: historyRebuildOptions{BundleDir: "b", HistoryFile: "h.jsonl"}},
		{name: "old long output", args: []string{"--from", "b", "--output", "h.jsonl"}, want: historyRebuildOptions{BundleDir: "b", HistoryFile: "h.jsonl"}},
		{name: "no output", args: []string{"--bundle-dir", "b"}, wantErr: "both --bundle-dir DIR and --history-file FILE are required"},
		{name: "no from", args: []string{"--history-file", "h.jsonl"}, wantErr: "both --bundle-dir DIR and --history-file FILE are required"},
	})
}

func TestNewBundlePruneCmd(t *testing.T) {
	checkOptions(t, newBundlePruneCmd, nil, []optionCase[bundlePruneOptions]{
		{name: "every flag", args: []string{"b", "--keep-last", "1", "--keep-daily", "2", "--keep-weekly", "3", "--dry-run"},
			want: bundlePruneOptions{Dir: "b", Policy: bundle.RetentionPolicy{Last: 1, Daily: 2, Weekly: 3}, DryRun: true}},
		{name: "one count", args: []string{"--keep-weekly", "8", "b"}, want: bundlePruneOptions{Dir: "b", Policy: bundle.RetentionPolicy{Weekly: 8}}},
		{name: "empty policy", args: []string{"b"}, wantErr: "set at least one of --keep-last, --keep-daily, --keep-weekly (refusing to remove every bundle)"},
		{name: "negative", args: []string{"b", "--keep-daily", "-1"}, wantErr: "--keep-last, --keep-daily and --keep-weekly must not be negative"},
		{name: "no dir", args: []string{"--keep-last", "1"}, wantErr: "accepts 1 arg(s), received 0"},
	})
}
