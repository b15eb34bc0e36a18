package analyze

import (
	"reflect"
	"testing"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/analyze/rules"
	"github.com/ksnap/ksnap/capture/bundle"
)

const metricsJobs = `{"kind":"List","items":[{"metadata":{"name":"j","namespace":"ns","uid":"u1"},
 "spec":{"completions":1,"backoffLimit":0},"status":{"active":1,"startTime":"2025-11-16T09:59:00Z"}}]}`

const metricsPods = `{"kind":"List","items":[
 {"metadata":{"name":"j-a","namespace":"ns","uid":"p1","ownerReferences":[{"kind":"Job","name":"j","uid":"u1","controller":true}]},
  "spec":{"containers":[{"name":"main","resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"cpu":"500m","memory":"128Mi"}}}]},
  "status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}],"containerStatuses":[{"name":"main","ready":true,"state":{"running":{}}}]}}]}`

const metricsMember = `{"kind":"List","items":[
 {"kind":"PodMetrics","metadata":{"name":"j-a","namespace":"ns"},"timestamp":"2025-11-16T09:59:50Z","window":"10s",
  "containers":[{"name":"main","usage":{"cpu":"100m","memory":"125Mi"}}]},
 {"kind":"PodMetrics","metadata":{"name":"elsewhere","namespace":"ns"},"timestamp":"2025-11-16T09:59:50Z","window":"10s","containers":[]}]}`

// metricsSrc is src with a podmetrics command of the given status.
func metricsSrc(t *testing.T, status, errText, body string) *MapSource {
	s := src(t, map[string]string{bundle.JobsMember: metricsJobs, bundle.PodsMember: metricsPods, bundle.EventsMember: `{"items":[]}`})
	s.Man.Commands = append(s.Man.Commands, bundle.Command{Kind: bundle.KindPodMetrics, Member: bundle.PodMetricsMember, Status: status, ExitCode: 1, Error: errText})
	s.Members[bundle.PodMetricsMember] = []byte(body)
	return s
}

func TestMetricsJoin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name         string
		src          *MapSource
		wantMetrics  *MetricsStatus
		wantUsage    bool
		wantFindings []rl // the pod's
		wantBundle   []rl
		wantVerdict  string
		wantFailures int
	}{
		{name: "sampled", src: metricsSrc(t, bundle.StatusOK, "", metricsMember),
			wantMetrics: &MetricsStatus{Status: "ok", Member: bundle.PodMetricsMember, Pods: 2, Joined: 1}, wantUsage: true,
			wantFindings: []rl{{"M1", model.LevelWarn}}, wantBundle: []rl{}, wantVerdict: "WARN"},
		{name: "unavailable", src: metricsSrc(t, bundle.StatusUnavailable, "the metrics API (metrics.k8s.io) is not served by this cluster", ""),
			wantMetrics:  &MetricsStatus{Status: "unavailable", Reason: "the metrics API (metrics.k8s.io) is not served by this cluster", Member: bundle.PodMetricsMember},
			wantFindings: []rl{}, wantBundle: []rl{}, wantVerdict: "OK"},
		{name: "failed", src: metricsSrc(t, bundle.StatusFailed, "kubectl exited 1: Error from server (ServiceUnavailable)", ""),
			wantMetrics:  &MetricsStatus{Status: "failed", Reason: "kubectl exited 1: Error from server (ServiceUnavailable)", Member: bundle.PodMetricsMember},
			wantFindings: []rl{}, wantBundle: []rl{{"O2", model.LevelWarn}}, wantVerdict: "WARN", wantFailures: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rep := evalWith(t, rules.V2(), tt.src, DefaultOptions())
			if !reflect.DeepEqual(rep.Metrics, tt.wantMetrics) {
				t.Errorf("metrics %+v, want %+v", rep.Metrics, tt.wantMetrics)
			}
			pod := rep.Jobs[0].Pods[0]
			if (pod.Usage != nil) != tt.wantUsage {
				t.Errorf("usage %+v", pod.Usage)
			}
			if got := ruleLevels(pod.Findings); !reflect.DeepEqual(got, tt.wantFindings) {
				t.Errorf("pod findings %v, want %v", got, tt.wantFindings)
			}
			if got := ruleLevels(rep.Findings); !reflect.DeepEqual(got, tt.wantBundle) {
				t.Errorf("bundle findings %v, want %v", got, tt.wantBundle)
			}
			if rep.Verdict.String() != tt.wantVerdict || len(rep.CaptureFailures) != tt.wantFailures {
				t.Errorf("verdict %s, %d capture failures; want %s, %d", rep.Verdict, len(rep.CaptureFailures), tt.wantVerdict, tt.wantFailures)
			}
		})
	}
	// The joined usage, whole.
	rep := evalWith(t, rules.V2(), metricsSrc(t, bundle.StatusOK, "", metricsMember), DefaultOptions())
	some := func(v int64) OptInt { return OptInt{Val: v, Set: true} }
	want := &PodUsage{Timestamp: "2025-11-16T09:59:50Z", Window: "10s", Containers: []ContainerUsage{{Name: "main",
		CPU: some(100), CPURequest: some(100), CPULimit: some(500), Memory: some(125 << 20), MemoryRequest: some(64 << 20), MemoryLimit: some(128 << 20)}}}
	if got := rep.Jobs[0].Pods[0].Usage; !reflect.DeepEqual(got, want) {
		t.Errorf("usage %+v, want %+v", got, want)
	}
	// v1 has no M rules: the same bundle is OK.
	if v1 := mustEval(t, metricsSrc(t, bundle.StatusOK, "", metricsMember), DefaultOptions()); v1.Verdict.String() != "OK" {
		t.Errorf("v1 verdict %s", v1.Verdict)
	}
}
