package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/alert"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl"
	"github.com/ksnap/ksnap/capture/kubectl/kubectltest"
	"github.com/ksnap/ksnap/internal/httpfake"
	"github.com/ksnap/ksnap/notify/webhook"
)

const (
	jobFailed = `{"apiVersion":"v1","kind":"List","items":[{"kind":"Job","metadata":{"name":"etl-100","namespace":"ns","creationTimestamp":"2026-01-02T02:59:00Z",
"ownerReferences":[{"kind":"CronJob","name":"etl","controller":true}]},"spec":{"completions":1,"backoffLimit":0},
"status":{"failed":1,"startTime":"2026-01-02T02:59:01Z","conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded","message":"Job has reached the specified backoff limit"}]}}]}`
	jobOK = `{"apiVersion":"v1","kind":"List","items":[{"kind":"Job","metadata":{"name":"etl-105","namespace":"ns","creationTimestamp":"2026-01-02T03:04:00Z",
"ownerReferences":[{"kind":"CronJob","name":"etl","controller":true}]},"spec":{"completions":1},
"status":{"succeeded":1,"startTime":"2026-01-02T03:04:01Z","completionTime":"2026-01-02T03:04:30Z","conditions":[{"type":"Complete","status":"True"}]}}]}`
	emptyList = `{"apiVersion":"v1","kind":"List","items":[]}`
)

// TestRecordWatchAlert: record --alert (and watch --alert, which appends
// to the config's history file) appends, then runs the alert step: the
// failed CronJob run fires, the next successful run resolves, one webhook
// call each; the command's exit status stays the verdict's.
func TestRecordWatchAlert(t *testing.T) {
	for _, command := range []string{"record", "watch"} {
		t.Run(command, func(t *testing.T) { testAlertHook(t, command) })
	}
}

func testAlertHook(t *testing.T, command string) {
	dir := t.TempDir()
	hook := httpfake.New(t)
	hook.Expect(httpfake.Call{Method: "POST", Path: "/h?token=" + secret}, httpfake.Call{Method: "POST", Path: "/h?token=" + secret})
	cfg := filepath.Join(dir, "alerts.yaml")
	hist := filepath.Join(dir, "h.jsonl")
	if err := os.WriteFile(cfg, []byte("history_file: "+hist+"\nsinks:\n  - {name: hook, type: webhook, url_env: HOOK}\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i, tc := range []struct {
		jobs string
		code int
	}{{jobFailed, 2}, {jobOK, 0}} {
		fake := kubectltest.NewFake(t)
		fake.Expect([]string{"version", "-o", "json"}, kubectltest.Response{Stdout: `{"clientVersion":{"gitVersion":"v1.33.1"},"serverVersion":{"gitVersion":"v1.33.13"}}`})
		fake.Expect([]string{"get", "jobs", "-o", "json", "-n", "ns"}, kubectltest.Response{Stdout: tc.jobs})
		fake.Expect([]string{"get", "pods", "-o", "json", "-n", "ns"}, kubectltest.Response{Stdout: emptyList})
		fake.Expect([]string{"get", "events", "-o", "json", "-n", "ns"}, kubectltest.Response{Stdout: emptyList})
		e, out, errb := alertEnv(t, map[string]string{"HOOK": hook.URL() + "/h?token=" + secret, "KSNAP_HISTORY_FILE": hist})
		now := time.Date(2026, 1, 2, 3, 0, 0, 0, time.UTC).Add(time.Duration(i) * 5 * time.Minute)
		e.now = func() time.Time { return now }
		e.kubectl = func(kubectl.Exec) kubectl.Runner { return fake }
		args := []string{"record", "-n", "ns", "--history-file", hist, "--bundle-dir", filepath.Join(dir, "bundles"), "--max-log-lines", "0", "--alert", cfg}
		if command == "watch" {
			args = []string{"watch", "-n", "ns", "--count", "1", "--compact", "--max-log-lines", "0", "--alert", cfg}
		}
		code := run(context.Background(), args, e)
		if code != tc.code || errb.Len() > 0 {
			t.Fatalf("record %d: exit %d, stderr %s", i, code, errb)
		}
		noSecret(t, "stdout", out.Bytes())
	}
	// Nothing secret in the history, the ledger or any bundle member.
	for _, f := range []string{hist, alert.LedgerPath(hist)} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		noSecret(t, f, b)
	}
	bundles, _ := filepath.Glob(filepath.Join(dir, "bundles", "*.tar.zst"))
	if command == "record" && len(bundles) != 2 {
		t.Errorf("bundles: %q", bundles)
	}
	for _, p := range bundles {
		b, err := bundle.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range b.Names() {
			data, err := b.Member(m)
			if err != nil {
				t.Fatal(err)
			}
			noSecret(t, p+" member "+m, data)
		}
	}
	var got []string
	for _, r := range hook.Requests() {
		var b webhook.Body
		if err := json.Unmarshal([]byte(r.Body), &b); err != nil {
			t.Fatal(err)
		}
		for _, a := range b.Alerts {
			got = append(got, a.Status+" "+a.Labels["owner"]+" "+a.StartsAt+" "+a.EndsAt)
		}
	}
	want := "firing etl 2026-01-02T03:00:00.000Z 0001-01-01T00:00:00Z,resolved etl 2026-01-02T03:00:00.000Z 2026-01-02T03:05:00.000Z"
	if strings.Join(got, ",") != want {
		t.Errorf("webhook alerts:\n%s\nwant:\n%s", strings.Join(got, ","), want)
	}
}
