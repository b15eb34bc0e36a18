package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/internal/httpfake"
)

const fixtureBundles = "../../fixtures/scenarios"

// alertHistory rebuilds a history from the fixture bundles and appends one
// later namespace-wide capture in which every job is OK, so the history
// holds firing transitions (from the bundles, causes read from them),
// a stale episode (a partial capture, then an UNKNOWN one) and resolutions.
func alertHistory(t *testing.T) (dir, hist string) {
	t.Helper()
	dir = t.TempDir()
	hist = filepath.Join(dir, "h.jsonl")
	// A fixed set of scenarios, so that new fixtures do not change the
	// transitions these tests count.
	from := filepath.Join(dir, "bundles")
	if err := os.Mkdir(from, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, n := range []string{"backoff", "crashloop", "deadline", "events-forbidden", "exitcode", "imagepull", "namespace", "oom", "pending", "retrying", "succeed", "suspended", "unknown-context"} {
		b, err := os.ReadFile(filepath.Join(fixtureBundles, n+".tar.zst"))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(from, n+".tar.zst"), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	e, _, errb := testEnv(t)
	if code := run(context.Background(), []string{"history", "rebuild", "--bundle-dir", from, "--history-file", hist}, e); code != 0 {
		t.Fatalf("rebuild: exit %d: %s", code, errb)
	}
	var jobs []history.Job
	for _, n := range []string{"e2e-backoff", "e2e-crashloop", "e2e-deadline", "e2e-exitcode", "e2e-imagepull", "e2e-oom", "e2e-pending", "e2e-retrying", "e2e-succeed", "e2e-suspended"} {
		jobs = append(jobs, history.Job{Name: n, Phase: "SUCCEEDED", Health: "OK"})
	}
	rec := history.NewRecord(history.Input{
		CapturedAt: time.Date(2026, 11, 23, 9, 31, 0, 0, time.UTC), Namespace: "ksnap-e2e",
		OverallHealth: "OK", Bundle: "later.tar.zst", BundleSHA256: strings.Repeat("0", 64), Ruleset: "ksnap-rules/1", Jobs: jobs,
	})
	st, err := jsonl.Open(hist, jsonl.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Append(context.Background(), rec); err != nil {
		t.Fatal(err)
	}
	return dir, hist
}

const alertConfig = `# test config: three sinks, URLs from the environment and a file
bundle_dir: ../../fixtures/scenarios
stale_after: 2
capture_interval: 5m
max_alerts: 4
sinks:
  - name: am
    type: alertmanager
    url_env: KSNAP_TEST_AM_URL
  - name: hook
    type: webhook
    url_file: %s
    token_env: KSNAP_TEST_TOKEN
  - name: chat
    type: slack
    url_env: KSNAP_TEST_SLACK_URL
`

const secret = "s3cr3t-path-Tok"

func writeAlertConfig(t *testing.T, dir, hookURL string) string {
	t.Helper()
	urlFile := filepath.Join(dir, "hook.url")
	if err := os.WriteFile(urlFile, []byte(hookURL+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "alerts.yaml")
	if err := os.WriteFile(cfg, []byte(strings.Replace(alertConfig, "%s", urlFile, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func alertEnv(t *testing.T, vars map[string]string) (*env, *bytes.Buffer, *bytes.Buffer) {
	e, out, errb := testEnv(t)
	e.getenv = func(k string) string { return vars[k] }
	return e, out, errb
}

// TestAlertDryRunGolden: for a history rebuilt from the fixtures, --dry-run
// prints the exact bodies, byte-identical on every run, and reads no clock
// (testEnv fails on it) and sends nothing (the hosts do not exist).
func TestAlertDryRunGolden(t *testing.T) {
	dir, hist := alertHistory(t)
	cfg := writeAlertConfig(t, dir, "https://hooks.example/"+secret)
	vars := map[string]string{
		"KSNAP_TEST_AM_URL":    "http://alertmanager.example:9093",
		"KSNAP_TEST_SLACK_URL": "https://hooks.slack.example/services/" + secret,
		"KSNAP_TEST_TOKEN":     secret,
	}
	for _, tt := range []struct{ golden, since string }{{"dryrun.golden", ""}, {"dryrun-since.golden", "2026-11-23T09:26:16Z"}} {
		t.Run(tt.golden, func(t *testing.T) {
			var first []byte
			for i := range 2 {
				e, out, errb := alertEnv(t, vars)
				args := []string{"alert", "--config", cfg, "--history-file", hist, "--dry-run"}
				if tt.since != "" {
					args = append(args, "--since", tt.since)
				}
				if code := run(context.Background(), args, e); code != 0 {
					t.Fatalf("exit %d: %s", code, errb)
				}
				if errb.Len() > 0 {
					t.Errorf("stderr: %s", errb)
				}
				if i == 0 {
					first = out.Bytes()
					checkGolden(t, filepath.Join("testdata", "alert", tt.golden), first)
				} else if !bytes.Equal(first, out.Bytes()) {
					t.Error("second dry run differs from the first")
				}
				if bytes.Contains(out.Bytes(), []byte(secret)) {
					t.Error("dry run output contains the secret")
				}
			}
			if _, err := os.Stat(filepath.Join(dir, "h.alerts.jsonl")); !os.IsNotExist(err) {
				t.Errorf("dry run wrote a ledger: %v", err)
			}
		})
	}
}

func checkGolden(t *testing.T, path string, got []byte) {
	t.Helper()
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs (-update after checking):\n%s", path, got)
	}
}

// TestAlertDeliverAndLedger runs alert for real against strict fakes:
// every transition reaches every sink exactly once, a refused message stays
// pending and goes out on the next run; no secret is in stdout, stderr,
// the ledger or the history.
func TestAlertDeliverAndLedger(t *testing.T) {
	dir, hist := alertHistory(t)
	am := httpfake.New(t)
	hook := httpfake.New(t)
	chat := httpfake.New(t)
	cfg := writeAlertConfig(t, dir, hook.URL()+"/"+secret)
	vars := map[string]string{
		"KSNAP_TEST_AM_URL":    am.URL(),
		"KSNAP_TEST_SLACK_URL": chat.URL() + "/services/" + secret,
		"KSNAP_TEST_TOKEN":     secret,
	}
	ok := httpfake.Reply{Status: 200}
	post := func(path string, r httpfake.Reply) httpfake.Call {
		return httpfake.Call{Method: "POST", Path: path, Reply: r}
	}
	// The fixture history holds 7 firings, then their 7 resolutions: a
	// message never carries two transitions of one episode, so each sink
	// needs two runs, the webhook (refusing run 1 with a 400, not retried)
	// three.
	am.Expect(post("/api/v2/alerts", ok), post("/api/v2/alerts", ok))
	hook.Expect(post("/"+secret, httpfake.Reply{Status: 400, Body: "bad " + secret}), post("/"+secret, ok), post("/"+secret, ok))
	chat.Expect(post("/services/"+secret, httpfake.Reply{Status: 200, Body: "ok"}), post("/services/"+secret, httpfake.Reply{Status: 200, Body: "ok"}))
	var all bytes.Buffer
	wantOut := []string{
		"sink am (alertmanager, 127.0.0.1): sent 7 transitions, re-posted 0 firing, 7 more pending\n" +
			"sink hook (webhook, 127.0.0.1): FAILED, 14 transitions stay pending\n" +
			"sink chat (slack, 127.0.0.1): sent 7 transitions, re-posted 0 firing, 7 more pending\n",
		"sink am (alertmanager, 127.0.0.1): sent 7 transitions, re-posted 0 firing, 0 more pending\n" +
			"sink hook (webhook, 127.0.0.1): sent 7 transitions, re-posted 0 firing, 7 more pending\n" +
			"sink chat (slack, 127.0.0.1): sent 7 transitions, re-posted 0 firing, 0 more pending\n",
		"sink am (alertmanager, 127.0.0.1): nothing to send\n" +
			"sink hook (webhook, 127.0.0.1): sent 7 transitions, re-posted 0 firing, 0 more pending\n" +
			"sink chat (slack, 127.0.0.1): nothing to send\n",
	}
	wantErr := []string{"ksnap: delivery failed; the transitions stay pending for the next run: sink hook: post to 127.0.0.1: HTTP 400 (after 1 attempts)\n", "", ""}
	wantCode := []int{3, 0, 0}
	for i := range wantOut {
		e, out, errb := alertEnv(t, vars)
		e.now = func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }
		code := run(context.Background(), []string{"alert", "--config", cfg, "--history-file", hist, "--max-alerts", "20"}, e)
		if code != wantCode[i] || out.String() != wantOut[i] || errb.String() != wantErr[i] {
			t.Errorf("run %d: exit %d, stdout:\n%s\nstderr:\n%s\nwant exit %d, stdout:\n%s\nstderr:\n%s", i+1, code, out, errb, wantCode[i], wantOut[i], wantErr[i])
		}
		all.Write(out.Bytes())
		all.Write(errb.Bytes())
	}
	for _, r := range hook.Requests() {
		if r.Header.Get("Authorization") != "Bearer "+secret {
			t.Errorf("webhook request without the token: %v", r.Header)
		}
	}
	ledger, err := os.ReadFile(filepath.Join(dir, "h.alerts.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n, want := bytes.Count(ledger, []byte(`"status":"delivered"`)), 3*14; n != want {
		t.Errorf("ledger: %d delivered entries, want %d", n, want)
	}
	if n := bytes.Count(ledger, []byte(`"status":"failed"`)); n != 7 {
		t.Errorf("ledger: %d failed entries, want 7", n)
	}
	noSecret(t, "stdout and stderr", all.Bytes())
	noSecret(t, "the ledger", ledger)
	h, _ := os.ReadFile(hist)
	noSecret(t, "the history", h)
}

// noSecret fails when b holds the secret or a 127.0.0.1 URL with a port.
func noSecret(t *testing.T, what string, b []byte) {
	t.Helper()
	if bytes.Contains(b, []byte(secret)) || bytes.Contains(b, []byte("http://127.0.0.1:")) {
		t.Errorf("%s contains a secret or a receiver URL:\n%s", what, b)
	}
}

func TestAlertUsage(t *testing.T) {
	dir, hist := alertHistory(t)
	cfg := writeAlertConfig(t, dir, "https://hooks.example/x")
	tests := []struct {
		name    string
		args    []string
		vars    map[string]string
		wantErr string
	}{
		{"no config", []string{"alert"}, nil, "ksnap: --config is required (the sinks are configured there) (see --help)\n"},
		{"bad since", []string{"alert", "--config", cfg, "--history-file", hist, "--dry-run", "--since", "yesterday"}, nil,
			"ksnap: --since \"yesterday\": not an RFC 3339 time (see --help)\n"},
		{"bad on", []string{"alert", "--config", cfg, "--on", "ok"}, nil, "ksnap: fire_on: \"ok\": want error or warn (see --help)\n"},
		{"missing secret", []string{"alert", "--config", cfg, "--history-file", hist, "--dry-run"}, nil,
			"ksnap: sink am: url: environment variable KSNAP_TEST_AM_URL: is empty\n"},
		{"bad url", []string{"alert", "--config", cfg, "--history-file", hist, "--dry-run"},
			map[string]string{"KSNAP_TEST_AM_URL": "am.example/" + secret},
			"ksnap: sink am: the URL is not an http or https URL with a host\n"},
		{"missing history", []string{"alert", "--config", cfg, "--history-file", filepath.Join(dir, "nope.jsonl"), "--dry-run"},
			map[string]string{"KSNAP_TEST_AM_URL": "https://am.example/", "KSNAP_TEST_TOKEN": "t", "KSNAP_TEST_SLACK_URL": "https://hooks.slack.example/x"},
			"ksnap: " + filepath.Join(dir, "nope.jsonl") + ": no such history file (ksnap record creates it; --allow-missing reads a missing file as empty)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, out, errb := alertEnv(t, tt.vars)
			if code := run(context.Background(), tt.args, e); code != exitUnknown {
				t.Errorf("exit %d, want 3", code)
			}
			if errb.String() != tt.wantErr || out.Len() > 0 {
				t.Errorf("stderr %q, stdout %q; want stderr %q", errb, out, tt.wantErr)
			}
		})
	}
}
