package analyze

import (
	"reflect"
	"regexp"
	"testing"
	"time"

	"github.com/ksnap/ksnap/analyze/model"
)

// job builds a Job item in namespace ns.
func job(name, extra string) string {
	return `{"kind":"Job","metadata":{"name":"` + name + `","namespace":"ns","uid":"uid-` + name + `","creationTimestamp":"2025-11-16T09:00:00Z"},` + extra + `}`
}

// jobPod builds a pod owned by job jname.
func jobPod(name, jname, status string) string {
	return `{"kind":"Pod","metadata":{"name":"` + name + `","namespace":"ns","uid":"uid-` + name + `","ownerReferences":[{"kind":"Job","name":"` + jname + `","uid":"uid-` + jname + `","controller":true}]},"spec":{"restartPolicy":"Never"},"status":` + status + `}`
}

func barePod(name, extra string) string {
	return `{"kind":"Pod","metadata":{"name":"` + name + `","namespace":"ns","uid":"uid-` + name + `"},` + extra + `}`
}

func event(typ, reason, kind, obj, last, msg string) string {
	return `{"kind":"Event","type":"` + typ + `","reason":"` + reason + `","message":"` + msg + `","involvedObject":{"kind":"` + kind + `","name":"` + obj + `","namespace":"ns"},"count":2,"lastTimestamp":"` + last + `"}`
}

const (
	running  = `{"phase":"Running","startTime":"2025-11-16T09:00:00Z","containerStatuses":[{"name":"main","ready":true,"restartCount":0,"state":{"running":{}}}]}`
	failedRC = `{"phase":"Failed","startTime":"2025-11-16T09:00:00Z","containerStatuses":[{"name":"main","restartCount":0,"state":{"terminated":{"reason":"Error","exitCode":1}}}]}`
	oomPod   = `{"phase":"Failed","startTime":"2025-11-16T09:00:00Z","containerStatuses":[{"name":"main","restartCount":0,"state":{"terminated":{"reason":"OOMKilled","exitCode":137}}}]}`
	donePod  = `{"phase":"Succeeded","containerStatuses":[{"name":"main","restartCount":0,"state":{"terminated":{"reason":"Completed","exitCode":0}}}]}`
)

// TestJobRules checks J0–J8, E3 and the attribution of pod findings to their
// Job: which rules fire, at what level, and the Job's health.
func TestJobRules(t *testing.T) {
	tests := []struct {
		name       string
		jobs, pods []string
		events     []string
		opts       func(*Options)
		wantJob    []rl
		wantHealth model.Level
		wantPods   [][]rl
	}{
		{name: "J1 failed with reason, E3 event text", jobs: []string{job("a", `"spec":{"backoffLimit":1},"status":{"failed":2,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded"}]}`)},
			pods:    []string{jobPod("a-1", "a", failedRC)},
			events:  []string{event("Warning", "BackoffLimitExceeded", "Job", "a", "2025-11-16T09:50:00Z", "Job has reached the specified backoff limit")},
			wantJob: []rl{{"J1", model.LevelError}}, wantHealth: model.LevelError,
			wantPods: [][]rl{{{"P2", model.LevelError}, {"P8", model.LevelError}}}},
		{name: "J2 complete with a failed pod is OK", jobs: []string{job("a", `"status":{"failed":1,"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}`)},
			pods:    []string{jobPod("a-1", "a", failedRC), jobPod("a-2", "a", donePod)},
			wantJob: []rl{{"J2", model.LevelOK}}, wantHealth: model.LevelOK,
			wantPods: [][]rl{{{"P2", model.LevelOK}, {"P8", model.LevelOK}}, {}}},
		{name: "J2 complete but a pod was OOMKilled is WARN", jobs: []string{job("a", `"status":{"failed":1,"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}`)},
			pods:    []string{jobPod("a-1", "a", oomPod)},
			wantJob: []rl{{"J2", model.LevelOK}}, wantHealth: model.LevelWarn,
			wantPods: [][]rl{{{"P7", model.LevelWarn}, {"P2", model.LevelOK}}}},
		{name: "J3 FailureTarget", jobs: []string{job("a", `"status":{"active":1,"conditions":[{"type":"FailureTarget","status":"True","reason":"PodFailurePolicy"}]}`)},
			wantJob: []rl{{"J3", model.LevelError}}, wantHealth: model.LevelError},
		{name: "J4 retrying: pod failures are WARN, not ERROR", jobs: []string{job("a", `"spec":{"backoffLimit":6},"status":{"failed":1,"active":1,"startTime":"2025-11-16T09:00:00Z"}`)},
			pods:    []string{jobPod("a-1", "a", failedRC), jobPod("a-2", "a", running)},
			wantJob: []rl{{"J4", model.LevelWarn}}, wantHealth: model.LevelWarn,
			wantPods: [][]rl{{{"P2", model.LevelWarn}, {"P8", model.LevelWarn}}, {}}},
		{name: "J4 OOMKilled while retrying stays WARN", jobs: []string{job("a", `"status":{"failed":1,"active":1,"startTime":"2025-11-16T09:00:00Z"}`)},
			pods:    []string{jobPod("a-1", "a", oomPod)},
			wantJob: []rl{{"J4", model.LevelWarn}}, wantHealth: model.LevelWarn,
			wantPods: [][]rl{{{"P2", model.LevelWarn}, {"P7", model.LevelWarn}}}},
		{name: "J5 suspended WARN by default", jobs: []string{job("a", `"spec":{"suspend":true},"status":{}`)},
			wantJob: []rl{{"J5", model.LevelWarn}}, wantHealth: model.LevelWarn},
		{name: "J5 suspended can be OK", jobs: []string{job("a", `"spec":{"suspend":true},"status":{}`)},
			opts:    func(o *Options) { o.SuspendedLevel = model.LevelOK },
			wantJob: []rl{{"J5", model.LevelOK}}, wantHealth: model.LevelOK},
		{name: "J6 active longer than max runtime", jobs: []string{job("a", `"status":{"active":1,"startTime":"2025-11-15T20:00:00Z"}`)},
			wantJob: []rl{{"J6", model.LevelWarn}}, wantHealth: model.LevelWarn},
		{name: "J6 not yet", jobs: []string{job("a", `"status":{"active":1,"startTime":"2025-11-16T09:00:00Z"}`)},
			wantJob: []rl{}, wantHealth: model.LevelOK},
		{name: "J7 past 80% of activeDeadlineSeconds", jobs: []string{job("a", `"spec":{"activeDeadlineSeconds":4000},"status":{"active":1,"startTime":"2025-11-16T09:00:00Z"}`)},
			wantJob: []rl{{"J7", model.LevelWarn}}, wantHealth: model.LevelWarn},
		{name: "J7 below threshold", jobs: []string{job("a", `"spec":{"activeDeadlineSeconds":7200},"status":{"active":1,"startTime":"2025-11-16T09:00:00Z"}`)},
			wantJob: []rl{}, wantHealth: model.LevelOK},
		{name: "J8 pending WARN (seed 5.2-7)", jobs: []string{job("a", `"status":{}`)},
			wantJob: []rl{{"J8", model.LevelWarn}}, wantHealth: model.LevelWarn},
		{name: "J8 pending with warn-on-pending false is OK (seed 5.2-8)", jobs: []string{job("a", `"status":{}`)},
			opts:    func(o *Options) { o.WarnOnPending = false },
			wantJob: []rl{}, wantHealth: model.LevelOK},
		{name: "J8 pending younger than pending-after is OK", jobs: []string{job("a", `"status":{}`)},
			opts:    func(o *Options) { o.PendingAfter = 2 * time.Hour },
			wantJob: []rl{}, wantHealth: model.LevelOK},
		{name: "J0 UNKNOWN is ERROR by default (seed 5.2-9)", jobs: []string{job("a", `"spec":{}`)},
			wantJob: []rl{{"J0", model.LevelError}}, wantHealth: model.LevelError},
		{name: "J0 UNKNOWN is WARN without treat-unknown-as-error (seed 5.2-10)", jobs: []string{job("a", `"spec":{}`)},
			opts:    func(o *Options) { o.TreatUnknownAsError = false },
			wantJob: []rl{{"J0", model.LevelWarn}}, wantHealth: model.LevelWarn},
		{name: "E3 event before the Failed condition", jobs: []string{job("a", `"status":{"active":1,"startTime":"2025-11-16T09:00:00Z"}`)},
			events:  []string{event("Warning", "BackoffLimitExceeded", "Job", "a", "2025-11-16T09:59:00Z", "Job has reached the specified backoff limit")},
			wantJob: []rl{{"E3", model.LevelError}}, wantHealth: model.LevelError},
		{name: "E4 FailedCreate on a running Job", jobs: []string{job("a", `"status":{"active":1,"startTime":"2025-11-16T09:00:00Z"}`)},
			events:  []string{event("Warning", "FailedCreate", "Job", "a", "2025-11-16T09:59:00Z", "exceeded quota")},
			wantJob: []rl{{"E4", model.LevelWarn}}, wantHealth: model.LevelWarn},
		{name: "E1 Normal events never raise", jobs: []string{job("a", `"status":{"active":1,"startTime":"2025-11-16T09:00:00Z"}`)},
			events:  []string{event("Normal", "FailedCreate", "Job", "a", "2025-11-16T09:59:00Z", "x")},
			wantJob: []rl{}, wantHealth: model.LevelOK},
		{name: "E5 user rule present", jobs: []string{job("a", `"status":{"active":1,"startTime":"2025-11-16T09:00:00Z"}`)},
			events: []string{event("Normal", "Custom", "Job", "a", "2025-11-16T09:59:00Z", "disk 95% full")},
			opts: func(o *Options) {
				o.EventRules = []EventRule{{Reason: "Custom", Kind: "Job", Message: regexp.MustCompile(`9\d% full`), When: Present, Level: model.LevelError}}
			},
			wantJob: []rl{{"E5", model.LevelError}}, wantHealth: model.LevelError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			members := map[string]string{"jobs.json": list(tt.jobs...), "pods.json": list(tt.pods...), "events.json": list(tt.events...)}
			o := DefaultOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			rep := mustEval(t, src(t, members), o)
			if len(rep.Jobs) != 1 {
				t.Fatalf("jobs = %d, want 1", len(rep.Jobs))
			}
			j := rep.Jobs[0]
			if got := ruleLevels(j.Findings); !reflect.DeepEqual(got, tt.wantJob) {
				t.Errorf("job findings = %v, want %v", got, tt.wantJob)
			}
			if j.Health != tt.wantHealth {
				t.Errorf("health = %s, want %s", j.Health, tt.wantHealth)
			}
			if tt.wantPods != nil {
				var got [][]rl
				for _, p := range j.Pods {
					got = append(got, ruleLevels(p.Findings))
				}
				want := tt.wantPods
				for i := range want {
					if want[i] == nil {
						want[i] = []rl{}
					}
				}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("pod findings = %v, want %v", got, want)
				}
			}
		})
	}
}

// TestPodRules checks P1–P17, E4 and P6's event escalation on bare pods.
func TestPodRules(t *testing.T) {
	tests := []struct {
		name   string
		pod    string
		events []string
		opts   func(*Options)
		want   []rl
	}{
		{"P1 succeeded skips container checks", barePod("p", `"status":{"phase":"Succeeded","containerStatuses":[{"name":"c","restartCount":9,"state":{"terminated":{"exitCode":3}}}]}`), nil, nil, []rl{}},
		{"P2 and P8 failed bare pod", barePod("p", `"status":`+failedRC), nil, nil, []rl{{"P2", model.LevelError}, {"P8", model.LevelError}}},
		{"P3 crash loop with last termination", barePod("p", `"status":{"phase":"Running","containerStatuses":[{"name":"c","restartCount":2,"state":{"waiting":{"reason":"CrashLoopBackOff"}},"lastState":{"terminated":{"reason":"Error","exitCode":2}}}]}`), nil, nil, []rl{{"P3", model.LevelError}}},
		{"P4 image pull", barePod("p", `"status":{"phase":"Pending","containerStatuses":[{"name":"c","state":{"waiting":{"reason":"ErrImagePull"}}}]}`), nil, nil, []rl{{"P4", model.LevelError}}},
		{"P5 config error", barePod("p", `"status":{"phase":"Pending","containerStatuses":[{"name":"c","state":{"waiting":{"reason":"CreateContainerConfigError"}}}]}`), nil, nil, []rl{{"P5", model.LevelError}}},
		{"P6 short wait is OK", barePod("p", `"status":{"phase":"Pending","startTime":"2025-11-16T09:30:00Z","containerStatuses":[{"name":"c","state":{"waiting":{"reason":"ContainerCreating"}}}]}`), nil, nil, []rl{}},
		{"P6 long wait is WARN", barePod("p", `"status":{"phase":"Pending","startTime":"2025-11-16T08:30:00Z","containerStatuses":[{"name":"c","state":{"waiting":{"reason":"ContainerCreating"}}}]}`), nil, nil, []rl{{"P6", model.LevelWarn}}},
		{"P6 wait with FailedMount is ERROR", barePod("p", `"status":{"phase":"Pending","startTime":"2025-11-16T09:50:00Z","containerStatuses":[{"name":"c","state":{"waiting":{"reason":"ContainerCreating"}}}]}`),
			[]string{event("Warning", "FailedMount", "Pod", "p", "2025-11-16T09:58:00Z", "secret not found")}, nil, []rl{{"P6", model.LevelError}, {"E4", model.LevelWarn}}},
		{"P7 OOMKilled in lastState of a running pod", barePod("p", `"status":{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"restartCount":1,"state":{"running":{}},"lastState":{"terminated":{"reason":"OOMKilled","exitCode":137}}}]}`), nil, nil, []rl{{"P7", model.LevelWarn}}},
		{"P9 evicted is WARN, not P2", barePod("p", `"status":{"phase":"Failed","reason":"Evicted","message":"The node was low on resource: nodefs."}`), nil, nil, []rl{{"P9", model.LevelWarn}}},
		{"P10 disruption target", barePod("p", `"status":{"phase":"Running","conditions":[{"type":"DisruptionTarget","status":"True","reason":"EvictionByEvictionAPI"}]}`), nil, nil, []rl{{"P10", model.LevelWarn}}},
		{"P11 unschedulable recently is WARN", barePod("p", `"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","lastTransitionTime":"2025-11-16T09:55:00Z"}]}`), nil, nil, []rl{{"P11", model.LevelWarn}}},
		{"P11 unschedulable for 15m is ERROR", barePod("p", `"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"Unschedulable","lastTransitionTime":"2025-11-16T09:45:00Z"}]}`), nil, nil, []rl{{"P11", model.LevelError}}},
		{"P12 scheduling gated is OK", barePod("p", `"status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False","reason":"SchedulingGated"}]}`), nil, nil, []rl{{"P12", model.LevelOK}}},
		{"P13 running not ready", barePod("p", `"status":{"phase":"Running","conditions":[{"type":"Ready","status":"False","reason":"ContainersNotReady"}]}`), nil, nil, []rl{{"P13", model.LevelWarn}}},
		{"P14 restarts at threshold", barePod("p", `"status":{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"restartCount":5,"state":{"running":{}}}]}`), nil, nil, []rl{{"P14", model.LevelWarn}}},
		{"P14 threshold from options", barePod("p", `"status":{"phase":"Running","containerStatuses":[{"name":"c","ready":true,"restartCount":5,"state":{"running":{}}}]}`), nil, func(o *Options) { o.RestartWarn = 6 }, []rl{}},
		{"P15 init container failed", barePod("p", `"status":{"phase":"Pending","initContainerStatuses":[{"name":"i","state":{"terminated":{"reason":"Error","exitCode":1}}}]}`), nil, nil, []rl{{"P15", model.LevelError}}},
		{"P15 running native sidecar is OK", barePod("p", `"spec":{"initContainers":[{"name":"s","restartPolicy":"Always"}]},"status":{"phase":"Running","initContainerStatuses":[{"name":"s","ready":true,"state":{"running":{}}}]}`), nil, nil, []rl{}},
		{"P16 terminating recently is OK", barePod("p", `"status":{"phase":"Running"}`)[:0] + `{"kind":"Pod","metadata":{"name":"p","deletionTimestamp":"2025-11-16T09:58:00Z"},"status":{"phase":"Running"}}`, nil, nil, []rl{{"P16", model.LevelOK}}},
		{"P16 stuck terminating is WARN", `{"kind":"Pod","metadata":{"name":"p","deletionTimestamp":"2025-11-16T09:00:00Z"},"status":{"phase":"Running"}}`, nil, nil, []rl{{"P16", model.LevelWarn}}},
		{"P17 phase Unknown", barePod("p", `"status":{"phase":"Unknown"}`), nil, nil, []rl{{"P17", model.LevelWarn}}},
		{"E4 notable Warning on a pod", barePod("p", `"status":`+running), []string{event("Warning", "Unhealthy", "Pod", "p", "2025-11-16T09:58:00Z", "probe failed")}, nil, []rl{{"E4", model.LevelWarn}}},
		{"E2 events join by object, not by name prefix", barePod("p", `"status":`+running), []string{event("Warning", "Unhealthy", "Pod", "p-other", "2025-11-16T09:58:00Z", "x"), event("Warning", "Unhealthy", "Job", "p", "2025-11-16T09:58:00Z", "x")}, nil, []rl{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			members := map[string]string{"jobs.json": list(job("j", `"status":{"succeeded":1,"conditions":[{"type":"Complete","status":"True"}]}`)), "pods.json": list(tt.pod), "events.json": list(tt.events...)}
			o := DefaultOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			rep := mustEval(t, src(t, members), o)
			if len(rep.BarePods) != 1 {
				t.Fatalf("bare pods = %d, want 1", len(rep.BarePods))
			}
			if got := ruleLevels(rep.BarePods[0].Findings); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("findings = %v, want %v", got, tt.want)
			}
			if got, want := rep.BarePods[0].Health, worstOf(tt.want); got != want {
				t.Errorf("health = %s, want %s", got, want)
			}
		})
	}
}

func worstOf(rs []rl) model.Level {
	l := model.LevelOK
	for _, r := range rs {
		l = l.Worst(r.Level)
	}
	return l
}
