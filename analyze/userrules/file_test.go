package userrules_test

import (
	"errors"
	"os"
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/userrules"
)

func TestParse(t *testing.T) {
	data, err := os.ReadFile("testdata/rules.yaml")
	if err != nil {
		t.Fatal(err)
	}
	got, err := userrules.Parse("rules.yaml", data)
	if err != nil {
		t.Fatal(err)
	}
	want := &userrules.File{
		Name:   "rules.yaml",
		SHA256: got.SHA256,
		Events: []userrules.EventRule{
			{Reason: "FailedMount", Kind: "Pod", Level: userrules.Error, Where: "events[0]"},
			{Reason: "BackOff", Message: regexp.MustCompile("restarting failed container=main"), Level: userrules.Warn, Where: "events[1]"},
		},
		Limits: []userrules.Threshold{
			{Namespace: "ksnap-e2e", MaxRestarts: model.Some(2), Level: userrules.Warn, Where: "thresholds[0]"},
			{Owner: "CronJob/nightly", MaxRuntime: 30 * time.Minute, PendingAfter: 5 * time.Minute, Level: userrules.Error, Where: "thresholds[1]"},
		},
		Expect: []userrules.Expectation{{CronJob: "nightly", SucceededWithin: 26 * time.Hour, Level: userrules.Error, Where: "expect[0]"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Parse =\n%+v\nwant\n%+v", got, want)
	}
	if len(got.SHA256) != 64 {
		t.Fatalf("SHA256 = %q", got.SHA256)
	}
	// JSON is YAML too, and a byte more is another hash.
	j, err := userrules.Parse("r.json", []byte(`{"version": 1, "events": [{"reason": "FailedMount"}]}`))
	if err != nil || len(j.Events) != 1 {
		t.Fatalf("JSON file: %+v, %v", j, err)
	}
	k, _ := userrules.Parse("r.json", []byte(`{"version": 1, "events": [{"reason": "FailedMount"}]} `))
	if k.SHA256 == j.SHA256 {
		t.Fatal("a changed file kept its hash")
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", "r.yaml: empty (want at least \"version: 1\")"},
		{"no version", "events: []", "r.yaml: version: missing (want 1)"},
		{"version 2", "version: 2", "r.yaml: version: 2 is not supported (this ksnap reads 1)"},
		{"unknown field", "version: 1\nalerts: []", `r.yaml: unknown field "alerts" (known: version, events, thresholds, expect and their fields in docs/replay.md)`},
		{"unknown nested field", "version: 1\nevents:\n- reason: X\n  severity: ERROR", `r.yaml: unknown field "severity" (known: version, events, thresholds, expect and their fields in docs/replay.md)`},
		{"wrong type", "version: 1\nthresholds:\n- maxRestarts: many", "r.yaml: thresholds.maxRestarts: want a int64, not a JSON string"},
		{"not yaml", "version: [1", "r.yaml: not YAML or JSON: yaml: line 1: did not find expected ',' or ']'"},
		{"no reason", "version: 1\nevents:\n- kind: Pod", "r.yaml: events[0].reason: missing"},
		{"bad kind", "version: 1\nevents:\n- reason: X\n  kind: Node", `r.yaml: events[0].kind: "Node": want Job or Pod`},
		{"bad regexp", "version: 1\nevents:\n- reason: X\n  message: '('", "r.yaml: events[0].message: not a regular expression: error parsing regexp: missing closing ): `(`"},
		{"bad level", "version: 1\nevents:\n- reason: X\n  level: warn", `r.yaml: events[0].level: "warn": want WARN or ERROR`},
		{"bad owner", "version: 1\nthresholds:\n- owner: etl\n  maxRuntime: 1h", `r.yaml: thresholds[0].owner: "etl": want CronJob/NAME or Job/NAME`},
		{"bad duration", "version: 1\nthresholds:\n- maxRuntime: 2d", `r.yaml: thresholds[0].maxRuntime: "2d" is not a duration such as 90m or 26h`},
		{"negative duration", "version: 1\nthresholds:\n- pendingAfter: -5m", `r.yaml: thresholds[0].pendingAfter: "-5m" must be positive`},
		{"no limit", "version: 1\nthresholds:\n- namespace: batch", "r.yaml: thresholds[0]: sets no limit (want maxRuntime, maxRestarts or pendingAfter)"},
		{"negative restarts", "version: 1\nthresholds:\n- maxRestarts: -1", "r.yaml: thresholds[0].maxRestarts: -1 is negative"},
		{"no cronjob", "version: 1\nexpect:\n- succeededWithin: 26h", "r.yaml: expect[0].cronJob: missing"},
		{"no window", "version: 1\nexpect:\n- cronJob: etl", "r.yaml: expect[0].succeededWithin: missing (e.g. 26h)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := userrules.Parse("r.yaml", []byte(tt.in))
			var fe *userrules.FileError
			if err == nil || err.Error() != tt.want || !errors.As(err, &fe) {
				t.Fatalf("Parse(%q) error =\n  %v\nwant\n  %s", tt.in, err, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	if data, err := os.ReadFile("testdata/rules.yaml"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"version":1,"thresholds":[{"owner":"Job/x","maxRestarts":0}]}`))
	f.Add([]byte("version: 1\nexpect:\n- cronJob: a\n  succeededWithin: 1h\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a, errA := userrules.Parse("f", data)
		b, errB := userrules.Parse("f", data)
		if (errA == nil) != (errB == nil) || (errA != nil && errA.Error() != errB.Error()) {
			t.Fatalf("two parses differ: %v / %v", errA, errB)
		}
		if errA != nil {
			var fe *userrules.FileError
			if !errors.As(errA, &fe) || fe.File != "f" {
				t.Fatalf("error does not name the file: %v", errA)
			}
			return
		}
		if a.SHA256 != b.SHA256 || len(a.Events) != len(b.Events) {
			t.Fatal("two parses differ")
		}
	})
}
