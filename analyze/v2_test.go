package analyze

import (
	"reflect"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/fixtures"
)

// What rule set v2 changes (issue 17), judged on the scenarios recorded from
// the real control plane for it (fixtures/SOURCES.md): each case gives the
// verdict under v1 and v2, and under v2 each Job's phase, health and
// findings (rule, level, message), and the evidence of one finding.

// scenario opens fixtures/scenarios/NAME.tar.zst.
func scenario(t *testing.T, name string) Source {
	t.Helper()
	data, err := fixtures.FS.ReadFile("scenarios/" + name + bundle.Extension)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Decode(name+bundle.Extension, data)
	if err != nil {
		t.Fatal(err)
	}
	return FromBundle(b)
}

// withMember is a Source with one member's bytes replaced.
type withMember struct {
	Source
	name string
	data []byte
}

func (s withMember) Member(name string) ([]byte, error) {
	if name == s.name {
		return s.data, nil
	}
	return s.Source.Member(name)
}

// noEvents is src with an empty events list, as after the events expired.
func noEvents(src Source) Source {
	return withMember{src, bundle.EventsMember, []byte(`{"apiVersion":"v1","items":[],"kind":"List"}`)}
}

// jobView is what a v2 case checks of one Job.
type jobView struct {
	Name, Phase, Health string
	Findings            []fv
	Pods                []string // name=HEALTH
}

// fv is a finding reduced to rule, level and message.
type fv struct{ Rule, Level, Message string }

func viewJobs(rep *Report) []jobView {
	var out []jobView
	for _, j := range rep.Jobs {
		v := jobView{Name: j.Name, Phase: j.Phase.String(), Health: j.Health.String()}
		for _, f := range j.Findings {
			v.Findings = append(v.Findings, fv{f.Rule, f.Level.String(), f.Message})
		}
		for _, p := range j.Pods {
			v.Pods = append(v.Pods, p.Name+"="+p.Health.String())
		}
		out = append(out, v)
	}
	return out
}

func TestV2Scenarios(t *testing.T) {
	const (
		sup0, sup1   = "e2e-cron-superseded-29411520", "e2e-cron-superseded-29411580"
		fail0, fail1 = "e2e-cron-failing-29411520", "e2e-cron-failing-29411580"
	)
	tests := []struct {
		name     string
		bundle   string
		src      func(Source) Source // nil: as recorded
		opts     func(*Options)
		v1, v2   model.Level
		jobs     []jobView
		bare     []string        // bare pods, name=HEALTH
		evidence *model.Evidence // of the first finding of the first Job with one
	}{
		{
			name: "failed run superseded by a later successful run: WARN (J11)", bundle: "cronjob-superseded",
			v1: model.LevelError, v2: model.LevelWarn,
			jobs: []jobView{
				{sup0, "FAILED", "WARN", []fv{
					{"J1", "WARN", "job " + sup0 + " failed: BackoffLimitExceeded: Job has reached the specified backoff limit"},
					{"J11", "WARN", "job " + sup0 + " failed but is superseded: the later run " + sup1 + " of CronJob/e2e-cron-superseded succeeded (CompletionsReached)"},
				}, []string{sup0 + "-8clm8=WARN"}},
				{sup1, "SUCCEEDED", "OK", nil, []string{sup1 + "-7vxrn=OK"}},
			},
		},
		{
			name: "newest run failed: stays ERROR", bundle: "cronjob-failing",
			v1: model.LevelError, v2: model.LevelError,
			jobs: []jobView{
				{fail0, "SUCCEEDED", "OK", nil, []string{fail0 + "-fwjvj=OK"}},
				{fail1, "FAILED", "ERROR", []fv{
					{"J1", "ERROR", "job " + fail1 + " failed: BackoffLimitExceeded: Job has reached the specified backoff limit"},
				}, []string{fail1 + "-9s48r=ERROR"}},
			},
		},
		{
			name: "index out of retries: doomed, ERROR (J12), no backoffLimit quoted", bundle: "indexed-doomed",
			v1: model.LevelWarn, v2: model.LevelError,
			jobs: []jobView{{"e2e-indexed-doomed", "RUNNING", "ERROR", []fv{
				{"J12", "ERROR", "job e2e-indexed-doomed can only end Failed: index(es) 0 failed with backoffLimitPerIndex 0 spent (1 of maxFailedIndexes 1); 0 of 3 completed, 2 active"},
			}, []string{"e2e-indexed-doomed-0-lzjtn=WARN", "e2e-indexed-doomed-1-vkr4l=OK", "e2e-indexed-doomed-2-wq9tv=OK"}}},
			evidence: &model.Evidence{Member: "jobs.json", Kind: "Job", Name: "e2e-indexed-doomed", Fields: []model.Field{
				{Path: "spec.backoffLimitPerIndex", Value: "0"}, {Path: "spec.maxFailedIndexes", Value: "1"},
				{Path: "status.failedIndexes", Value: "0"}, {Path: "status.completedIndexes", Value: ""},
				{Path: "status.failed", Value: "1"}, {Path: "status.active", Value: "2"}, {Path: "spec.completions", Value: "3"},
			}},
		},
		{
			name: "index still retrying: WARN (J4) with the per-index limit", bundle: "retrying",
			v1: model.LevelWarn, v2: model.LevelWarn,
			jobs: []jobView{{"e2e-retrying", "RUNNING", "WARN", []fv{
				{"J4", "WARN", "job e2e-retrying is retrying: 1 failed pod(s), no index out of its backoffLimitPerIndex 3, 1 active"},
			}, []string{"e2e-retrying-0-dpmv7=WARN", "e2e-retrying-0-g5zlt=OK"}}},
		},
		{
			name: "started, refused by a ResourceQuota: PENDING, WARN (J13) with the FailedCreate event", bundle: "quota-stuck",
			v1: model.LevelWarn, v2: model.LevelWarn,
			jobs: []jobView{{"e2e-quota-stuck", "PENDING", "WARN", []fv{
				{"J13", "WARN", `job e2e-quota-stuck started 26s ago but has no pod and nothing active: FailedCreate (×5): Error creating: pods "e2e-quota-stuck-mpkcl" is forbidden: exceeded quota: e2e-quota-stuck, requested: pods=1, used: pods=0, limited: pods=0`},
			}, nil}},
			evidence: &model.Evidence{Member: "jobs.json", Kind: "Job", Name: "e2e-quota-stuck", Fields: []model.Field{
				{Path: "status.startTime", Value: "2026-12-02T05:40:00Z"}, {Path: "status.active", Value: "-"},
				{Path: "status.succeeded", Value: "-"}, {Path: "status.failed", Value: "-"}, {Path: "status.terminating", Value: "0"},
				{Path: "event[FailedCreate].message", Value: `Error creating: pods "e2e-quota-stuck-mpkcl" is forbidden: exceeded quota: e2e-quota-stuck, requested: pods=1, used: pods=0, limited: pods=0`},
				{Path: "event[FailedCreate].count", Value: "5"}, {Path: "event[FailedCreate].last", Value: "2026-12-02T05:40:15Z"},
			}},
		},
		{
			name: "started, no pod, events expired: still PENDING and WARN (J13); v1 sees nothing", bundle: "quota-stuck", src: noEvents,
			v1: model.LevelOK, v2: model.LevelWarn,
			jobs: []jobView{{"e2e-quota-stuck", "PENDING", "WARN", []fv{
				{"J13", "WARN", "job e2e-quota-stuck started 26s ago but has no pod and nothing active"},
			}, nil}},
		},
		{
			name: "managedBy another controller: named (J14), not started by the built-in one", bundle: "managedby",
			v1: model.LevelWarn, v2: model.LevelWarn,
			jobs: []jobView{{"e2e-managedby", "PENDING", "WARN", []fv{
				{"J8", "WARN", "job e2e-managedby has not started 26s after creation"},
				{"J14", "OK", "job e2e-managedby is managed by example.com/batch-dispatcher, not the built-in Job controller: its status is that controller's"},
			}, nil}},
		},
		{
			name: "a failed bare pod does not set the verdict", bundle: "bare-pod",
			v1: model.LevelError, v2: model.LevelOK,
			jobs: []jobView{{"e2e-bare-pod-job", "SUCCEEDED", "OK", nil, []string{"e2e-bare-pod-job-wmjxz=OK"}}},
			bare: []string{"e2e-bare-pod=ERROR"},
		},
		{
			name: "a failed bare pod with IncludeBarePods: ERROR", bundle: "bare-pod", opts: func(o *Options) { o.IncludeBarePods = true },
			v1: model.LevelError, v2: model.LevelError,
			jobs: []jobView{{"e2e-bare-pod-job", "SUCCEEDED", "OK", nil, []string{"e2e-bare-pod-job-wmjxz=OK"}}},
			bare: []string{"e2e-bare-pod=ERROR"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := scenario(t, tt.bundle)
			if tt.src != nil {
				src = tt.src(src)
			}
			o := DefaultOptions()
			if tt.opts != nil {
				tt.opts(&o)
			}
			if got := evalWith(t, rules.V1(), src, o).Verdict; got != tt.v1 {
				t.Errorf("v1 verdict = %s, want %s", got, tt.v1)
			}
			rep := evalWith(t, rules.V2(), src, o)
			if rep.Verdict != tt.v2 {
				t.Errorf("v2 verdict = %s, want %s", rep.Verdict, tt.v2)
			}
			if got := viewJobs(rep); !reflect.DeepEqual(got, tt.jobs) {
				t.Errorf("v2 jobs:\n got %+v\nwant %+v", got, tt.jobs)
			}
			var bare []string
			for _, p := range rep.BarePods {
				bare = append(bare, p.Name+"="+p.Health.String())
			}
			if !reflect.DeepEqual(bare, tt.bare) {
				t.Errorf("bare pods = %v, want %v", bare, tt.bare)
			}
			if tt.evidence != nil {
				for _, j := range rep.Jobs {
					if len(j.Findings) > 0 {
						if got := j.Findings[0].Evidence; !reflect.DeepEqual(got, *tt.evidence) {
							t.Errorf("evidence:\n got %+v\nwant %+v", got, *tt.evidence)
						}
						break
					}
				}
			}
		})
	}
}

// TestV2SupersedeEvidence checks J11's evidence: the superseding Job, named
// with its owner and times, and the superseded one.
func TestV2SupersedeEvidence(t *testing.T) {
	rep := evalWith(t, rules.V2(), scenario(t, "cronjob-superseded"), DefaultOptions())
	got := rep.Jobs[0].Findings[1]
	want := model.Finding{Rule: "J11", Level: model.LevelWarn, Message: got.Message, Evidence: model.Evidence{
		Member: "jobs.json", Kind: "Job", Name: "e2e-cron-superseded-29411580", Fields: []model.Field{
			{Path: "metadata.ownerReferences[controller]", Value: "CronJob/e2e-cron-superseded"},
			{Path: "metadata.creationTimestamp", Value: "2026-12-02T05:40:09Z"},
			{Path: "status.completionTime", Value: "2026-12-02T05:40:16Z"},
			{Path: "superseded.name", Value: "e2e-cron-superseded-29411520"},
			{Path: "superseded.metadata.creationTimestamp", Value: "2026-12-02T05:40:01Z"},
		}}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("J11:\n got %+v\nwant %+v", got, want)
	}
}

// TestV2Expect checks --expect NAME against Job names and CronJob owners:
// the runs of CronJob/e2e-cron-superseded satisfy "e2e-cron-superseded"
// under v2 (not under v1); no prefix or partial name matches.
func TestV2Expect(t *testing.T) {
	tests := []struct {
		expect    []string
		v1, v2    []string // J9's absent names
		v2Verdict model.Level
	}{
		{[]string{"e2e-cron-superseded"}, []string{"e2e-cron-superseded"}, nil, model.LevelWarn},
		{[]string{"e2e-cron-superseded-29411520"}, nil, nil, model.LevelWarn},
		{[]string{"e2e-cron", "e2e-cron-superseded-2941152", "e2e-cron-superseded"}, []string{"e2e-cron", "e2e-cron-superseded", "e2e-cron-superseded-2941152"}, []string{"e2e-cron", "e2e-cron-superseded-2941152"}, model.LevelError},
	}
	for _, tt := range tests {
		o := DefaultOptions()
		o.Expect = tt.expect
		absent := func(rs rules.RuleSet) ([]string, model.Level) {
			rep := evalWith(t, rs, scenario(t, "cronjob-superseded"), o)
			var names []string
			for _, f := range rep.Findings {
				if f.Rule == "J9" {
					names = append(names, f.Evidence.Name)
				}
			}
			return names, rep.Verdict
		}
		if got, _ := absent(rules.V1()); !reflect.DeepEqual(got, tt.v1) {
			t.Errorf("%v: v1 absent = %v, want %v", tt.expect, got, tt.v1)
		}
		got, verdict := absent(rules.V2())
		if !reflect.DeepEqual(got, tt.v2) || verdict != tt.v2Verdict {
			t.Errorf("%v: v2 absent = %v (%s), want %v (%s)", tt.expect, got, verdict, tt.v2, tt.v2Verdict)
		}
	}
}
