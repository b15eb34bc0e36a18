package diff_test

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/diff"
	"github.com/ksnap/ksnap/pipeline"
	rjson "github.com/ksnap/ksnap/render/json"
	rtext "github.com/ksnap/ksnap/render/text"
)

var update = flag.Bool("update", false, "rewrite golden files")

func scenario(name string) string {
	return filepath.Join("..", "fixtures", "scenarios", name+".tar.zst")
}

// edited builds a bundle with `ksnap bundle import` from a real capture's
// kubectl JSON, each list passed through its edit (nil: unchanged), at the
// capture time given. This is how the pairs below get a "later" capture:
// the fixtures hold no two captures of one Job far enough apart.
func edited(t *testing.T, from, out string, at time.Time, edits map[string]func(items []map[string]any) []map[string]any) string {
	t.Helper()
	b, err := bundle.Open(scenario(from))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{}
	for _, kind := range []string{"jobs", "pods", "events"} {
		data, err := b.Member(kind + ".json")
		if err != nil {
			t.Fatal(err)
		}
		if fn := edits[kind]; fn != nil {
			var list struct {
				APIVersion string           `json:"apiVersion"`
				Kind       string           `json:"kind"`
				Items      []map[string]any `json:"items"`
			}
			if err := json.Unmarshal(data, &list); err != nil {
				t.Fatal(err)
			}
			list.Items = fn(list.Items)
			if data, err = json.Marshal(list); err != nil {
				t.Fatal(err)
			}
		}
		files[kind] = filepath.Join(dir, kind+".json")
		if err := os.WriteFile(files[kind], data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	p, err := capture.Import(capture.ImportOptions{
		JobsFile: files["jobs"], PodsFile: files["pods"], EventsFile: files["events"],
		Namespace: b.Manifest.Namespace, Selector: b.Manifest.Selector, CapturedAt: at, Out: out,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// m walks a JSON object along keys, creating objects on the way.
func m(obj map[string]any, keys ...string) map[string]any {
	for _, k := range keys {
		next, ok := obj[k].(map[string]any)
		if !ok {
			next = map[string]any{}
			obj[k] = next
		}
		obj = next
	}
	return obj
}

func cronOwned(items []map[string]any) []map[string]any {
	for _, it := range items {
		m(it, "metadata")["ownerReferences"] = []any{map[string]any{
			"apiVersion": "batch/v1", "kind": "CronJob", "name": "nightly", "uid": "c0c0c0c0-0000-4000-8000-000000000001", "controller": true}}
	}
	return items
}

func TestComparePairs(t *testing.T) {
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	dir := t.TempDir()

	// Restarts growing: the crash-looping pod restarted 3 -> 7 times, its
	// last termination now OOMKilled (exit 137); BackOff events 1 -> 5.
	crashA := edited(t, "crashloop", filepath.Join(dir, "crash-a.tar.zst"), t0, nil)
	crashB := edited(t, "crashloop", filepath.Join(dir, "crash-b.tar.zst"), t0.Add(5*time.Minute), map[string]func([]map[string]any) []map[string]any{
		"pods": func(items []map[string]any) []map[string]any {
			cs := m(items[0], "status")["containerStatuses"].([]any)[0].(map[string]any)
			cs["restartCount"] = 7
			cs["lastState"] = map[string]any{"terminated": map[string]any{
				"exitCode": 137, "reason": "OOMKilled", "startedAt": "2026-11-23T09:29:00Z", "finishedAt": "2026-11-23T09:29:30Z"}}
			m(cs, "state", "waiting")["message"] = "back-off 5m0s restarting failed container=main"
			m(items[0], "metadata")["resourceVersion"] = "999999" // never compared
			return items
		},
		"events": func(items []map[string]any) []map[string]any {
			for _, it := range items {
				if it["reason"] == "BackOff" {
					it["count"] = 5
				}
			}
			return items
		},
	})

	// Failing -> recovered, and a replaced Job: the CronJob's Job of the
	// same name was re-created (new uid) and completed; its failed pod is
	// gone, a succeeded one is there; the BackoffLimitExceeded event is gone.
	failA := edited(t, "backoff", filepath.Join(dir, "fail-a.tar.zst"), t0, map[string]func([]map[string]any) []map[string]any{
		"jobs": cronOwned,
	})
	failB := edited(t, "backoff", filepath.Join(dir, "fail-b.tar.zst"), t0.Add(time.Hour), map[string]func([]map[string]any) []map[string]any{
		"jobs": func(items []map[string]any) []map[string]any {
			items = cronOwned(items)
			m(items[0], "metadata")["uid"] = "b2b2b2b2-0000-4000-8000-000000000002"
			items[0]["status"] = map[string]any{
				"succeeded": 1, "ready": 0, "terminating": 0, "startTime": "2026-11-23T10:30:00Z", "completionTime": "2026-11-23T10:31:00Z",
				"conditions": []any{
					map[string]any{"type": "SuccessCriteriaMet", "status": "True", "lastProbeTime": "2026-11-23T10:31:00Z", "lastTransitionTime": "2026-11-23T10:31:00Z"},
					map[string]any{"type": "Complete", "status": "True", "lastProbeTime": "2026-11-23T10:31:00Z", "lastTransitionTime": "2026-11-23T10:31:00Z"},
				}}
			return items
		},
		"pods": func(items []map[string]any) []map[string]any {
			md := m(items[0], "metadata")
			md["name"], md["uid"] = "e2e-backoff-r2d2x", "b2b2b2b2-0000-4000-8000-000000000003"
			md["ownerReferences"].([]any)[0].(map[string]any)["uid"] = "b2b2b2b2-0000-4000-8000-000000000002"
			st := m(items[0], "status")
			st["phase"] = "Succeeded"
			cs := st["containerStatuses"].([]any)[0].(map[string]any)
			cs["state"] = map[string]any{"terminated": map[string]any{"exitCode": 0, "reason": "Completed", "startedAt": "2026-11-23T10:30:05Z", "finishedAt": "2026-11-23T10:30:55Z"}}
			m(items[0], "metadata", "labels")["controller-uid"] = "b2b2b2b2-0000-4000-8000-000000000002"
			m(items[0], "metadata", "labels")["batch.kubernetes.io/controller-uid"] = "b2b2b2b2-0000-4000-8000-000000000002"
			return items
		},
		"events": func(items []map[string]any) []map[string]any {
			var out []map[string]any
			for _, it := range items {
				if it["reason"] != "BackoffLimitExceeded" || m(it, "involvedObject")["name"] != "e2e-backoff" {
					out = append(out, it)
				}
			}
			return out
		},
	})

	tests := []struct {
		name     string
		a, b     string
		verdicts []diff.Verdict
		objects  []diff.Object
		events   []diff.Event
	}{
		{
			name: "restarts growing, OOMKilled",
			a:    crashA, b: crashB,
			objects: []diff.Object{{
				Kind: "Pod", Namespace: "ksnap-e2e", Name: "e2e-crashloop-zcjw6", Change: diff.Changed,
				Summary: "restarts 3->7, OOMKilled",
				Fields: []diff.Field{
					{Path: "status.containerStatuses[main].restartCount", Old: "3", New: "7"},
					{Path: "status.containerStatuses[main].lastState", Old: "terminated Error (exit 1)", New: "terminated OOMKilled (exit 137)"},
				},
			}},
			verdicts: []diff.Verdict{{Object: "Job/ksnap-e2e/e2e-crashloop", Old: "ERROR", New: "ERROR", OldRules: []string{"P3", "E4"}, NewRules: []string{"P3", "P7", "P14", "E4"}}},
			events:   []diff.Event{{Kind: "Pod", Namespace: "ksnap-e2e", Name: "e2e-crashloop-zcjw6", Reason: "BackOff", Old: 1, New: 5}},
		},
		{
			name: "failing -> recovered, Job replaced",
			a:    failA, b: failB,
			verdicts: []diff.Verdict{
				{Object: "overall", Old: "ERROR", New: "OK", OldRules: []string{}, NewRules: []string{}},
				{Object: "CronJob/ksnap-e2e/nightly", Old: "ERROR", New: "OK", OldRules: []string{"J1", "P2", "P8"}, NewRules: []string{}, Run: "e2e-backoff"},
				{Object: "Job/ksnap-e2e/e2e-backoff", Old: "ERROR", New: "OK", OldRules: []string{"J1", "P2", "P8"}, NewRules: []string{}},
			},
			objects: []diff.Object{
				{Kind: "Job", Namespace: "ksnap-e2e", Name: "e2e-backoff", Change: diff.Replaced,
					OldUID: "e1c5b15f-", NewUID: "b2b2b2b2-0000-4000-8000-000000000002", Summary: "FAILED->SUCCEEDED",
					Fields: []diff.Field{
						{Path: "status.succeeded", Old: "", New: "1"},
						{Path: "status.failed", Old: "1", New: ""},
						{Path: "status.startTime", Old: "2026-11-23T09:25:44Z", New: "2026-11-23T10:30:00Z"},
						{Path: "status.completionTime", Old: "", New: "2026-11-23T10:31:00Z"},
						{Path: "status.conditions[FailureTarget]", Old: "True BackoffLimitExceeded", New: ""},
						{Path: "status.conditions[FailureTarget].message", Old: "Job has reached the specified backoff limit", New: ""},
						{Path: "status.conditions[Failed]", Old: "True BackoffLimitExceeded", New: ""},
						{Path: "status.conditions[Failed].message", Old: "Job has reached the specified backoff limit", New: ""},
						{Path: "status.conditions[SuccessCriteriaMet]", Old: "", New: "True"},
						{Path: "status.conditions[Complete]", Old: "", New: "True"},
					}},
				{Kind: "Pod", Namespace: "ksnap-e2e", Name: "e2e-backoff-6dhvs", Change: diff.Removed, OldUID: "674e39ea-6f3c-4fe3-aad3-2a9617d341ce", Summary: "Failed", Fields: []diff.Field{}},
				{Kind: "Pod", Namespace: "ksnap-e2e", Name: "e2e-backoff-r2d2x", Change: diff.Added, NewUID: "b2b2b2b2-0000-4000-8000-000000000003", Summary: "Succeeded", Fields: []diff.Field{}},
			},
			events: []diff.Event{{Kind: "Job", Namespace: "ksnap-e2e", Name: "e2e-backoff", Reason: "BackoffLimitExceeded", Old: 1, New: 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := diff.Run(context.Background(), []string{tt.a, tt.b}, pipeline.DefaultOptions())
			if err != nil {
				t.Fatal(err)
			}
			p := res.Pairs[0]
			// The old uid of the real capture is long; compare its prefix.
			for i := range p.Objects {
				if p.Objects[i].Change == diff.Replaced {
					p.Objects[i].OldUID = p.Objects[i].OldUID[:9]
				}
			}
			check(t, "verdicts", p.Verdicts, tt.verdicts)
			check(t, "objects", p.Objects, tt.objects)
			check(t, "events", p.Events, tt.events)
			if len(p.Notes) != 0 {
				t.Errorf("notes = %q, want none", p.Notes)
			}
		})
	}

	// A bundle against itself (another file, same captures): no change.
	same := edited(t, "crashloop", filepath.Join(dir, "crash-a2.tar.zst"), t0.Add(time.Minute), nil)
	res, err := diff.Run(context.Background(), []string{crashA, same}, pipeline.DefaultOptions())
	if err != nil {
		t.Fatal(err)
	}
	if res.Changed() {
		t.Fatalf("same captures one minute apart: %+v", res.Pairs[0])
	}
}

func check[T any](t *testing.T, what string, got, want []T) {
	t.Helper()
	if want == nil {
		want = []T{}
	}
	if !reflect.DeepEqual(got, want) {
		g, _ := json.MarshalIndent(got, "", "  ")
		w, _ := json.MarshalIndent(want, "", "  ")
		t.Errorf("%s =\n%s\nwant\n%s", what, g, w)
	}
}

// TestGoldenRealPairs pins the text and JSON diff of real captures taken
// seconds apart from one cluster: the whole namespace, then the same
// namespace with events forbidden; and one Job's capture against the
// namespace capture that followed it.
func TestGoldenRealPairs(t *testing.T) {
	tests := []struct {
		name  string
		files []string
	}{
		{"namespace-events-forbidden", []string{scenario("namespace"), scenario("events-forbidden")}},
		{"crashloop-namespace", []string{scenario("crashloop"), scenario("namespace")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, format := range []string{"txt", "json"} {
				var runs [2][]byte
				opts := pipeline.DefaultOptions()
				opts.RuleSet = rules.V1() // pinned: the goldens are v1's verdicts
				for i := range runs {
					res, err := diff.Run(context.Background(), tt.files, opts)
					if err != nil {
						t.Fatal(err)
					}
					var buf bytes.Buffer
					if format == "txt" {
						err = rtext.Diff(&buf, res)
					} else {
						err = rjson.Diff(&buf, res)
					}
					if err != nil {
						t.Fatal(err)
					}
					runs[i] = buf.Bytes()
				}
				if !bytes.Equal(runs[0], runs[1]) {
					t.Fatal("two runs differ")
				}
				golden := filepath.Join("testdata", tt.name+"."+format)
				if *update {
					if err := os.WriteFile(golden, runs[0], 0o644); err != nil {
						t.Fatal(err)
					}
				}
				want, err := os.ReadFile(golden)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(runs[0], want) {
					t.Errorf("%s differs (go test ./diff -update rewrites it):\n%s", golden, runs[0])
				}
			}
		})
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"connect failed: password=hunter2 host=db", "connect failed: password=*** host=db"},
		{`DB_PASSWORD: "s3cr3t", next`, `DB_PASSWORD: ***, next`},
		{"API_KEY=abc;TOKEN=def", "API_KEY=***;TOKEN=***"},
		{"Job has reached the specified backoff limit", "Job has reached the specified backoff limit"},
	}
	for _, tt := range tests {
		if got := diff.Mask(tt.in); got != tt.want {
			t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
