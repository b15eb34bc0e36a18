package parse

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/tidwall/gjson"
	"sigs.k8s.io/yaml"
)

// TestShapes covers every accepted member shape and the member-level errors.
func TestShapes(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		names   []string
		errs    []string
		wantErr string
	}{
		{"List", `{"kind":"List","items":[{"metadata":{"name":"a"}},{"metadata":{"name":"b"}}]}`, []string{"a", "b"}, nil, ""},
		{"JobList with kinds", `{"kind":"JobList","items":[{"kind":"Job","metadata":{"name":"a"}}]}`, []string{"a"}, nil, ""},
		{"items null (k3s 2025)", `{"apiVersion":"batch/v1","items":null,"kind":"JobList"}`, nil, nil, ""},
		{"List without items", `{"kind":"List"}`, nil, nil, ""},
		{"bare array (sonobuoy)", `[{"metadata":{"name":"a"}}]`, []string{"a"}, nil, ""},
		{"single object", `{"kind":"Job","metadata":{"name":"a"}}`, []string{"a"}, nil, ""},
		{"leading whitespace", "\n  {\"metadata\":{\"name\":\"a\"}}\n", []string{"a"}, nil, ""},
		{"item not an object", `{"items":[1,{"metadata":{"name":"b"}},null]}`, []string{"b"},
			[]string{"member jobs.json: item 0: wrong type: item is a number, want an object", "member jobs.json: item 2: wrong type: item is null, want an object"}, ""},
		{"wrong kind", `{"items":[{"kind":"Pod","metadata":{"name":"a"}}]}`, nil, []string{`member jobs.json: item 0: field kind: wrong kind: "Pod", want "Job"`}, ""},
		{"missing name", `{"items":[{"metadata":{}},{"metadata":null}]}`, nil,
			[]string{"member jobs.json: item 0: field metadata.name: missing", "member jobs.json: item 1: field metadata.name: missing"}, ""},
		{"wrong field type", `[{"metadata":{"name":7}}]`, nil, []string{"member jobs.json: item 0: field metadata.name: wrong type: a number, want a string"}, ""},
		{"bad time", `[{"metadata":{"name":"a","creationTimestamp":"2025-13-01T00:00:00Z"}}]`, nil, []string{`member jobs.json: item 0: field metadata.creationTimestamp: not an RFC 3339 time: "2025-13-01T00:00:00Z"`}, ""},
		{"condition field", `[{"metadata":{"name":"a"},"status":{"conditions":[{"type":"Complete"},{"type":5}]}}]`, nil, []string{"member jobs.json: item 0: field status.conditions[1].type: wrong type: a number, want a string"}, ""},
		{"non-integer count", `[{"metadata":{"name":"a"},"status":{"failed":1.5}}]`, nil, []string{"member jobs.json: item 0: field status.failed: wrong type: 1.5 is not an integer"}, ""},
		{"items not an array", `{"items":"x"}`, nil, nil, "member jobs.json: not a list, array or object: items is a string, want an array"},
		{"scalar document", `42`, nil, nil, "member jobs.json: not a list, array or object: the document is a number"},
		{"invalid JSON", `{"items":[{"metadata":`, nil, nil, "member jobs.json: not valid JSON at byte 22: unexpected end of JSON input"},
		{"empty", " \n", nil, nil, "member jobs.json: empty: kubectl printed nothing"},
		{"two documents", `{"metadata":{"name":"a"}} {"metadata":{"name":"b"}}`, nil, nil, "member jobs.json: not valid JSON at byte 27: invalid character '{' after top-level value"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jobs, errs, err := Jobs("jobs.json", []byte(tt.in))
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
				var me *MemberError
				if !errors.As(err, &me) || me.Member != "jobs.json" {
					t.Errorf("error %T does not name the member", err)
				}
			}
			if gotErr != tt.wantErr {
				t.Errorf("err = %q, want %q", gotErr, tt.wantErr)
			}
			var names, msgs []string
			for _, j := range jobs {
				names = append(names, j.Name)
			}
			for _, e := range errs {
				msgs = append(msgs, e.Error())
			}
			if strings.Join(names, ",") != strings.Join(tt.names, ",") {
				t.Errorf("names = %q, want %q", names, tt.names)
			}
			if strings.Join(msgs, "\n") != strings.Join(tt.errs, "\n") {
				t.Errorf("item errors =\n%s\nwant\n%s", strings.Join(msgs, "\n"), strings.Join(tt.errs, "\n"))
			}
		})
	}
}

// TestPodFields checks every Pod field the rules read, the container order
// (init, then app), native sidecars and nested error paths.
func TestPodFields(t *testing.T) {
	in := `{"kind":"Pod","metadata":{"name":"p","namespace":"ns","uid":"u","creationTimestamp":"2025-11-16T09:00:00Z",
	  "deletionTimestamp":null,"labels":{"job-name":"old","batch.kubernetes.io/job-name":"j","controller-uid":"c"},
	  "ownerReferences":[{"kind":"ReplicaSet","name":"x"},{"apiVersion":"batch/v1","kind":"Job","name":"j","uid":"ju","controller":true}]},
	 "spec":{"restartPolicy":"Never","nodeName":"n1","initContainers":[{"name":"init"},{"name":"side","restartPolicy":"Always"}]},
	 "status":{"phase":"Failed","reason":"Evicted","message":"m","startTime":"2025-11-16T09:00:01Z",
	  "conditions":[{"type":"PodScheduled","status":"True","lastProbeTime":"null","lastTransitionTime":"null"}],
	  "containerStatuses":[{"name":"main","ready":false,"restartCount":3,"state":{"terminated":{"reason":"OOMKilled","exitCode":137,"signal":9,"finishedAt":"2025-11-16T09:10:00.5Z"}},"lastState":{"waiting":null}}],
	  "initContainerStatuses":[{"name":"init","state":{"terminated":{"exitCode":0}}},{"name":"side","ready":true,"state":{"running":{"startedAt":"2025-11-16T09:00:02Z"}}}]}}`
	pods, errs, err := Pods("pods.json", []byte(in))
	if err != nil || len(errs) > 0 || len(pods) != 1 {
		t.Fatalf("pods=%d errs=%v err=%v", len(pods), errs, err)
	}
	p := pods[0]
	if p.Name != "p" || p.Namespace != "ns" || p.UID != "u" || p.JobNameLabel != "j" || p.ControllerUIDLabel != "c" ||
		p.Owner != (model.OwnerRef{APIVersion: "batch/v1", Kind: "Job", Name: "j", UID: "ju"}) ||
		p.RestartPolicy != "Never" || p.NodeName != "n1" || p.Phase != "Failed" || p.Reason != "Evicted" || p.Message != "m" ||
		!p.Deleted.IsZero() || !p.StartTime.Equal(time.Date(2025, 11, 16, 9, 0, 1, 0, time.UTC)) {
		t.Errorf("pod = %+v", p)
	}
	if len(p.Conditions) != 1 || !p.Conditions[0].LastTransitionTime.IsZero() {
		t.Errorf(`conditions = %+v ("null" must read as no time)`, p.Conditions)
	}
	var got []string
	for _, c := range p.Containers {
		got = append(got, c.Type.String()+":"+c.Name+":"+c.State.Kind.String()+":"+c.State.Reason)
		if c.Name == "side" && !c.Sidecar || c.Name != "side" && c.Sidecar {
			t.Errorf("container %s sidecar = %v", c.Name, c.Sidecar)
		}
	}
	if want := "init:init:terminated:,init:side:running:,app:main:terminated:OOMKilled"; strings.Join(got, ",") != want {
		t.Errorf("containers = %s, want %s", strings.Join(got, ","), want)
	}
	m := p.Containers[2]
	if m.RestartCount != 3 || m.State.ExitCode != 137 || m.State.Signal != 9 || m.LastState.Kind != model.StateNone ||
		!m.State.FinishedAt.Equal(time.Date(2025, 11, 16, 9, 10, 0, 5e8, time.UTC)) {
		t.Errorf("main = %+v", m)
	}
	_, errs, _ = Pods("pods.json", []byte(`[{"metadata":{"name":"p"},"status":{"containerStatuses":[{"name":"a"},{"name":"b","state":{"terminated":{"exitCode":"1"}}}]}}]`))
	if len(errs) != 1 || errs[0].Error() != "member pods.json: item 0: field status.containerStatuses[1].state.terminated.exitCode: wrong type: a string, want a number" {
		t.Errorf("errs = %v", errs)
	}
}

// TestEventShapes checks both Event APIs map to the same model.
func TestEventShapes(t *testing.T) {
	core := `{"kind":"Event","metadata":{"name":"e","namespace":"ns","creationTimestamp":"2025-11-16T09:00:00Z"},"type":"Warning","reason":"BackOff",
	  "message":"m","involvedObject":{"kind":"Pod","name":"p","namespace":"ns","uid":"u"},"count":4,
	  "firstTimestamp":"2025-11-16T09:01:00Z","lastTimestamp":"2025-11-16T09:05:00Z","source":{"component":"kubelet"},"eventTime":null}`
	v1 := `{"apiVersion":"events.k8s.io/v1","kind":"Event","metadata":{"name":"e","namespace":"ns","creationTimestamp":"2025-11-16T09:00:00Z"},"type":"Warning","reason":"BackOff",
	  "note":"m","regarding":{"kind":"Pod","name":"p","namespace":"ns","uid":"u"},"deprecatedCount":4,"series":null,
	  "deprecatedFirstTimestamp":"2025-11-16T09:01:00Z","deprecatedLastTimestamp":"2025-11-16T09:05:00Z","reportingController":"kubelet","eventTime":"null"}`
	var got [2]model.Event
	for i, in := range []string{core, v1} {
		evs, errs, err := Events("events.json", []byte(in))
		if err != nil || len(errs) > 0 || len(evs) != 1 {
			t.Fatalf("%d: evs=%d errs=%v err=%v", i, len(evs), errs, err)
		}
		got[i] = evs[0]
	}
	if got[0].Shape != model.EventCoreV1 || got[1].Shape != model.EventEventsV1 {
		t.Errorf("shapes = %v, %v", got[0].Shape, got[1].Shape)
	}
	got[1].Shape = model.EventCoreV1
	if got[0] != got[1] {
		t.Errorf("core/v1 and events.k8s.io/v1 differ:\n%+v\n%+v", got[0], got[1])
	}
	if want := time.Date(2025, 11, 16, 9, 5, 0, 0, time.UTC); !got[0].Time().Equal(want) || got[0].Count != 4 || got[0].Source != "kubelet" {
		t.Errorf("event = %+v", got[0])
	}
	series := `{"type":"Warning","reason":"FailedScheduling","involvedObject":{"kind":"Pod","name":"p"},"count":1,"series":{"count":3,"lastObservedTime":"2025-11-16T09:07:00.000001Z"},"eventTime":"2025-11-16T09:00:00.000000Z"}`
	evs, _, _ := Events("events.json", []byte(series))
	if evs[0].Count != 3 || !evs[0].Time().Equal(time.Date(2025, 11, 16, 9, 7, 0, 1000, time.UTC)) {
		t.Errorf("series event = %+v", evs[0])
	}
}

// TestLogTail checks line splitting: indentation kept, CRLF stripped.
func TestLogTail(t *testing.T) {
	got := LogTail("p", "c", false, []byte("  first\r\nsecond\n\nlast"))
	if want := []string{"  first", "second", "", "last"}; strings.Join(got.Lines, "|") != strings.Join(want, "|") {
		t.Errorf("lines = %q, want %q", got.Lines, want)
	}
	if got := LogTail("p", "c", true, nil); got.Lines != nil || !got.Previous {
		t.Errorf("empty tail = %+v", got)
	}
}

func realdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "testdata", "realdata", name))
	if err != nil {
		t.Fatal(err)
	}
	if strings.HasSuffix(name, ".yaml") {
		if b, err = yaml.YAMLToJSON(b); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
	}
	return b
}

// TestRealdataFiles parses every file of testdata/realdata (copied from
// shared/realdata; PROVENANCE.md there) with the parser of its kind and
// checks the item count and that nothing was skipped.
func TestRealdataFiles(t *testing.T) {
	tests := []struct {
		file string
		kind string
		n    int
	}{
		{"gitops-job-failed-backofflimit-2018.yaml", "jobs", 1},
		{"gitops-job-suspended-semisynthetic.yaml", "jobs", 1},
		{"gitops-pod-imagepullbackoff-2019.yaml", "pods", 1},
		{"harvester-events-harvester-system-core-v1.yaml", "events", 8},
		{"harvester-events-harvester-system-events.k8s.io-v1.yaml", "events", 8},
		{"harvester-jobs-kube-system.yaml", "jobs", 5},
		{"harvester-pods-kube-system.yaml", "pods", 19},
		{"insights-pod-cronjob-job-failed.json", "pods", 1},
		{"insights-pod-init-crashloop-7527-restarts.json", "pods", 1},
		{"k8sopenapi-events.k8s.io-v1-event.json", "events", 1},
		{"k8sopenapi-k8s1.11-job-failed-backofflimit.json", "jobs", 1},
		{"k8sopenapi-k8s1.11-podlist-failed-job-pod.json", "pods", 3},
		{"k8sopenapi-k8s1.35-job-failuretarget-backofflimit.json", "jobs", 1},
		{"k9s-job-cronjob-owned-2019.json", "jobs", 1},
		{"nri-k8s1.20-kubelet-podlist-failjob.json", "pods", 27},
		{"nri-k8s1.34-pods-all-namespaces.yaml", "pods", 24},
		{"sbctl-kurl-events-velero-backoff.json", "events", 67},
		{"sbctl-kurl-pods-longhorn-large.json", "pods", 28},
		{"sonobuoy-2017-events-kube-system.json", "events", 135},
		{"sonobuoy-2017-pods-evicted.json", "pods", 1},
		{"synthetic-k8s-api-fuzz-events.k8s.io-v1-Event.json", "events", 1},
		{"ts-events-failedmount-failedscheduling.json", "events", 76},
		{"ts-events-imagepull-backofflimitexceeded.json", "events", 17},
		{"ts-events-init-crashloop.json", "events", 17},
		{"ts-jobs-backofflimit-and-complete.json", "jobs", 2},
		{"ts-jobs-complete-with-failed-pod.json", "jobs", 1},
		{"ts-k3s2022-pods-kube-system-restarts.json", "pods", 7},
		{"ts-k3s2025-joblist-items-null.json", "jobs", 0},
		{"ts-k3s2025-jobs-successcriteriamet.json", "jobs", 2},
		{"ts-pod-crashloop.json", "pods", 1},
		{"ts-pod-errimagepull.json", "pods", 1},
		{"ts-pod-init-crashloop.json", "pods", 1},
		{"ts-pod-oomkilled-job.json", "pods", 1},
		{"ts-pod-pending-unschedulable.json", "pods", 1},
		{"tsmcp-k3s2025-events-kube-system.json", "events", 104},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			data := realdata(t, tt.file)
			var n int
			var errs []*ItemError
			var err error
			switch tt.kind {
			case "jobs":
				var v []model.Job
				v, errs, err = Jobs(tt.file, data)
				n = len(v)
			case "pods":
				var v []model.Pod
				v, errs, err = Pods(tt.file, data)
				n = len(v)
			case "events":
				var v []model.Event
				v, errs, err = Events(tt.file, data)
				n = len(v)
			}
			if err != nil || len(errs) > 0 || n != tt.n {
				t.Errorf("n=%d errs=%v err=%v, want %d items and no errors", n, errs, err, tt.n)
			}
		})
	}
}

// TestRealdataFragments: the three files that are not kubectl output.
func TestRealdataFragments(t *testing.T) {
	// A truncated events.k8s.io/v1beta1 list: one line naming the member.
	_, _, err := Events("events.json", realdata(t, "issue-krane-666-events.k8s.io-v1beta1.json.partial"))
	if err == nil || !strings.HasPrefix(err.Error(), "member events.json: not valid JSON at byte ") {
		t.Errorf("partial: err = %v", err)
	}
	// Five concatenated statuses: not one document.
	if _, _, err := Jobs("jobs.json", realdata(t, "issue-k8s-93559-job-status-stream.jsonstream")); err == nil {
		t.Error("stream: want an error")
	}
	// A status stanza without metadata: the item is reported, not guessed at.
	_, errs, err := Jobs("jobs.json", realdata(t, "issue-k8s-90551-job-deadline-status.fragment.yaml"))
	if err != nil || len(errs) != 1 || errs[0].Error() != "member jobs.json: item 0: field metadata.name: missing" {
		t.Errorf("fragment: errs=%v err=%v", errs, err)
	}
}

// TestValidLikeGjson checks that the single-pass walker accepts exactly the
// JSON that gjson.Valid accepts, for tricky values in every position the
// walker handles differently: a skipped field, a read field, an item, a
// list member and the whole document.
func TestValidLikeGjson(t *testing.T) {
	values := []string{
		`""`, `"a"`, `"\""`, `"\\"`, `"\/\b\f\n\r\t"`, `"\u00e9"`, `"\u00G9"`, `"\u00e"`, `"\x"`, `"a` + "\x01" + `"`,
		`"` + "\x7f\xff" + `"`, `"abcdefghijklmnop\"qrstuvwxyz"`, `"abcdefgh\\"`, `"abcdefg`, `"`,
		`0`, `-0`, `01`, `-`, `1.`, `1.5`, `.5`, `1e5`, `1E+5`, `1e-5`, `1e`, `1e+`, `-1.5e3`, `1x`, `+1`, `123456789012345678901234567890`,
		`true`, `tru`, `false`, `fals`, `null`, `nul`, `nulll`, `True`,
		`{}`, `{ }`, `[]`, `[ ]`, `{"a":1}`, `{"a" : 1 , "b" : [ 1 , 2 ] }`, `{"a":1,}`, `[1,]`, `[,1]`, `{,}`, `{"a"}`, `{"a":}`,
		`{"a":1 "b":2}`, `[1 2]`, `{1:2}`, `[[[[[[]]]]]]`, `[[[[[[]]]]]`, `[{"a":[{"b":{}}]}]`, `{"a":[}`, `[}`, `{]`,
		"[1,\t2,\n3,\r4]", "[1,\v2]", "[1,\f2]", `{"k:{\"name\":\"x\"}":{".":{}}}`, strings.Repeat(`[`, 100) + strings.Repeat(`]`, 100),
	}
	for _, v := range values {
		docs := []string{
			`{"items":[{"metadata":{"name":"a","x":` + v + `}}]}`,
			`{"items":[{"metadata":{"name":` + v + `}}]}`,
			`{"items":[` + v + `]}`,
			`[` + v + `,{"metadata":{"name":"a"}}]`,
			`{"kind":` + v + `,"items":[]}`,
			`{"items":[{"status":{"conditions":[{"type":` + v + `}]}}]}`,
			v,
		}
		for _, d := range docs {
			for _, parse := range []func(string, []byte) error{
				func(m string, b []byte) error { _, _, err := Jobs(m, b); return err },
				func(m string, b []byte) error { _, _, err := Pods(m, b); return err },
				func(m string, b []byte) error { _, _, err := Events(m, b); return err },
			} {
				err := parse("m.json", []byte(d))
				if got, want := errors.Is(err, ErrSyntax), !gjson.Valid(d); got != want {
					t.Errorf("%s: syntax error %v (%v), gjson.Valid says %v", d, got, err, !want)
				}
			}
		}
	}
}

// TestJobV2Fields checks the Job fields rule set v2 reads: per-index
// failure counting, spec.managedBy, spec.successPolicy and the pods in
// status.uncountedTerminatedPods.
func TestJobV2Fields(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want model.Job
	}{
		{"per index", `[{"metadata":{"name":"a"},"spec":{"completionMode":"Indexed","backoffLimitPerIndex":0,"maxFailedIndexes":1,"successPolicy":{"rules":[{"succeededCount":1}]}},` +
			`"status":{"failedIndexes":"0,2-3","completedIndexes":"1","uncountedTerminatedPods":{"succeeded":["u1"],"failed":["u2","u3"]}}}]`,
			model.Job{Name: "a", CompletionMode: "Indexed", BackoffLimitPerIndex: model.Some(0), MaxFailedIndexes: model.Some(1), SuccessPolicy: true,
				HasStatus: true, FailedIndexes: "0,2-3", CompletedIndexes: "1", Uncounted: 3}},
		{"managed, nulls", `[{"metadata":{"name":"a"},"spec":{"managedBy":"example.com/x","successPolicy":null,"backoffLimitPerIndex":null},"status":{"uncountedTerminatedPods":{},"failedIndexes":null}}]`,
			model.Job{Name: "a", ManagedBy: "example.com/x", HasStatus: true}},
	}
	for _, tt := range tests {
		jobs, errs, err := Jobs("jobs.json", []byte(tt.in))
		if err != nil || len(errs) != 0 || len(jobs) != 1 {
			t.Fatalf("%s: %v %v %d jobs", tt.name, err, errs, len(jobs))
		}
		if !reflect.DeepEqual(jobs[0], tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.name, jobs[0], tt.want)
		}
	}
	_, errs, _ := Jobs("jobs.json", []byte(`[{"metadata":{"name":"a"},"spec":{"successPolicy":"x"}}]`))
	if len(errs) != 1 || errs[0].Error() != "member jobs.json: item 0: field spec.successPolicy: wrong type: a string, want an object" {
		t.Errorf("successPolicy string: %v", errs)
	}
}

// TestArenaLists: lists handed out from a member's shared chunks belong to
// their own item (many items, so chunks fill and new ones start), an
// append to one never writes into the next, a failed item leaves nothing
// behind, and labels come sorted with the last value of a repeated key.
func TestArenaLists(t *testing.T) {
	var b strings.Builder
	b.WriteString(`{"items":[`)
	const n = 3 * arenaChunk / 2
	for i := range n {
		if i > 0 {
			b.WriteString(",")
		}
		if i == 7 { // a bad item between good ones
			b.WriteString(`{"metadata":{"name":"bad","labels":{"z":"1"}},"status":{"conditions":[{"type":"X","status":"True"},{"type":3}]}}`)
			continue
		}
		fmt.Fprintf(&b, `{"metadata":{"name":"j%d","labels":{"z":"%d","a":"first","m":"x","a":"last"}},"status":{"conditions":[`, i, i)
		for c := range i%3 + 1 {
			if c > 0 {
				b.WriteString(",")
			}
			fmt.Fprintf(&b, `{"type":"T%d-%d","status":"True"}`, i, c)
		}
		b.WriteString(`]}}`)
	}
	b.WriteString(`]}`)
	jobs, errs, err := Jobs("jobs.json", []byte(b.String()))
	if err != nil || len(errs) != 1 || len(jobs) != n-1 {
		t.Fatalf("jobs=%d errs=%v err=%v", len(jobs), errs, err)
	}
	for k, j := range jobs {
		i := k
		if k >= 7 {
			i = k + 1
		}
		if j.Name != fmt.Sprintf("j%d", i) {
			t.Fatalf("job %d is %s", k, j.Name)
		}
		if want := []model.Label{{Key: "a", Value: "last"}, {Key: "m", Value: "x"}, {Key: "z", Value: fmt.Sprint(i)}}; !slices.Equal(j.Labels, want) {
			t.Errorf("%s: labels %v, want %v", j.Name, j.Labels, want)
		}
		if len(j.Conditions) != i%3+1 || cap(j.Conditions) != len(j.Conditions) {
			t.Fatalf("%s: %d conditions (cap %d), want %d", j.Name, len(j.Conditions), cap(j.Conditions), i%3+1)
		}
		for c, cond := range j.Conditions {
			if cond.Type != fmt.Sprintf("T%d-%d", i, c) {
				t.Errorf("%s: condition %d is %s", j.Name, c, cond.Type)
			}
		}
	}
	grown := append(jobs[0].Conditions, model.Condition{Type: "extra"})
	if jobs[1].Conditions[0].Type != "T1-0" || len(grown) != 2 {
		t.Errorf("an append to one job's conditions wrote into the next: %+v", jobs[1].Conditions)
	}
}
