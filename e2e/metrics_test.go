//go:build e2e

package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
)

// Pod metrics (issue 15): scripts/cluster/up runs a real metrics-server
// (unless KSNAP_CLUSTER_METRICS=0) that scrapes kwok's emulated kubelet
// metrics; the Jobs of testdata/jobs/metrics.yaml keep one pod each Running
// with a fixed usage (kwok.x-k8s.io/usage-* annotations).

const metricsSelector = "ktest.ksnap.io/scenario=metrics"

var metricsJobs = []string{"e2e-metrics-calm", "e2e-metrics-hot"}

// metricsReady: each metrics Job has one Running, Ready pod and, with the
// metrics API, metrics-server has a sample of each (it reports a pod from
// its second scrape on).
func metricsReady(s *fixtureState, _ string) bool {
	var pods []string
	for _, j := range metricsJobs {
		ps, _ := s.podsOf(j)
		if len(ps) != 1 || ps[0].Status.Phase != "Running" || ps[0].condition("Ready") != "True" {
			return false
		}
		pods = append(pods, ps[0].Metadata.Name)
	}
	if !env.metrics {
		return true
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, err := admin(ctx, "get", "podmetrics.metrics.k8s.io", "-l", metricsSelector, "-o", "json")
	if err != nil {
		return false
	}
	var l struct {
		Items []fixtureObject `json:"items"`
	}
	if json.Unmarshal(out, &l) != nil {
		return false
	}
	for _, p := range pods {
		if !slices.ContainsFunc(l.Items, func(o fixtureObject) bool { return o.Metadata.Name == p }) {
			return false
		}
	}
	return true
}

// metricsReport is the part of the JSON report TestMetrics checks.
type metricsReport struct {
	Verdict string `json:"verdict"`
	Metrics *struct {
		Status string `json:"status"`
		Reason string `json:"reason"`
		Pods   int    `json:"pods"`
		Joined int    `json:"joined"`
	} `json:"metrics"`
	Findings []struct {
		Rule string `json:"rule"`
	} `json:"findings"`
	Jobs []struct {
		Name   string `json:"name"`
		Health string `json:"health"`
		Pods   []struct {
			Findings []struct {
				Rule    string `json:"rule"`
				Level   string `json:"level"`
				Message string `json:"message"`
			} `json:"findings"`
			Usage *struct {
				Containers []struct {
					Name        string `json:"name"`
					CPU         *int64 `json:"cpu_millicores"`
					Memory      *int64 `json:"memory_bytes"`
					MemoryLimit *int64 `json:"memory_limit_bytes"`
				} `json:"containers"`
			} `json:"usage"`
		} `json:"pods"`
	} `json:"jobs"`
}

func analyzeMetrics(t *testing.T, path string) metricsReport {
	t.Helper()
	r := ksnap(t, "analyze", "-o", "json", path)
	var rep metricsReport
	if err := json.Unmarshal(r.stdout, &rep); err != nil {
		t.Fatalf("analyze -o json: %v\n%s", err, r)
	}
	return rep
}

// TestMetrics captures the metrics scenario through the read-only identity
// with --metrics. With the metrics API the near-limit rules fire on the pod
// made to use most of its limits and on no other; without it (a cluster
// started with KSNAP_CLUSTER_METRICS=0) the command is unavailable, not
// failed, and the verdict is the one of a capture without --metrics.
func TestMetrics(t *testing.T) {
	requireCluster(t)
	_, file, _, _ := runtime.Caller(0)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	f := filepath.Join(filepath.Dir(file), "testdata", "jobs", "metrics.yaml")
	if _, err := admin(ctx, "get", "-f", f, "-o", "name"); err != nil {
		if !strings.Contains(err.Error(), "NotFound") {
			t.Fatal(err)
		}
		if _, err := admin(ctx, "create", "-f", f); err != nil {
			t.Fatal(err)
		}
	}
	start := time.Now()
	for {
		s, err := lookFixtures(ctx)
		if err == nil && metricsReady(s, "") {
			break
		}
		select {
		case <-ctx.Done():
			dumpState()
			t.Fatalf("metrics scenario not ready (metrics API %v; last error %v)", env.metrics, err)
		case <-time.After(time.Second):
		}
	}
	t.Logf("metrics scenario ready in %s", time.Since(start).Round(time.Millisecond))

	r, path := capture(t, env.roKubeconfig, "-l", metricsSelector, "--metrics")
	if r.code != exitOK {
		t.Fatalf("capture --metrics: %s", r)
	}
	verify(t, path)
	c, ok := openBundle(t, path).Manifest.Command(bundle.KindPodMetrics)
	if !ok {
		t.Fatal("no podmetrics command in the manifest")
	}
	if want := []string{"get", "podmetrics.metrics.k8s.io", "-o", "json", "-n", env.namespace, "-l", metricsSelector}; !slices.Equal(c.Argv[1:len(want)+1], want) {
		t.Errorf("argv %q, want %q then --kubeconfig", c.Argv, want)
	}
	rep := analyzeMetrics(t, path)
	for _, f := range rep.Findings {
		if f.Rule == "O2" {
			t.Errorf("O2 on a capture with --metrics: %+v", rep.Findings)
		}
	}
	if !env.metrics {
		if c.Status != bundle.StatusUnavailable || rep.Metrics == nil || rep.Metrics.Status != "unavailable" {
			t.Fatalf("without the metrics API: command %s (%s), report metrics %+v; want unavailable", c.Status, c.Error, rep.Metrics)
		}
		_, plain := capture(t, env.roKubeconfig, "-l", metricsSelector)
		if v := analyzeMetrics(t, plain).Verdict; v != rep.Verdict {
			t.Errorf("verdict %s with --metrics, %s without", rep.Verdict, v)
		}
		return
	}
	// An identity without pods.metrics.k8s.io: Forbidden by the real
	// apiserver, so unavailable, not a failure (its events are failed).
	_, forbidden := capture(t, env.noEventsKubeconfig, "-l", metricsSelector, "--metrics")
	if fc, _ := openBundle(t, forbidden).Manifest.Command(bundle.KindPodMetrics); fc.Status != bundle.StatusUnavailable || !strings.Contains(fc.Error, "Forbidden") {
		t.Errorf("identity without pod metrics: podmetrics %s (%s), want unavailable (Forbidden)", fc.Status, fc.Error)
	}
	if c.Status != bundle.StatusOK || rep.Metrics == nil || rep.Metrics.Status != "ok" || rep.Metrics.Joined != 2 {
		t.Fatalf("command %s (%s), report metrics %+v; want ok with 2 pods joined", c.Status, c.Error, rep.Metrics)
	}
	got := map[string][]string{}
	health := map[string]string{}
	for _, j := range rep.Jobs {
		health[j.Name] = j.Health
		for _, p := range j.Pods {
			if p.Usage == nil || len(p.Usage.Containers) != 1 || p.Usage.Containers[0].Memory == nil {
				t.Errorf("%s: pod without usage: %+v", j.Name, p.Usage)
			}
			for _, f := range p.Findings {
				if strings.HasPrefix(f.Rule, "M") {
					got[j.Name] = append(got[j.Name], f.Rule+" "+f.Level)
					if !strings.Contains(f.Message, "sampled usage at capture time") {
						t.Errorf("%s %s: message %q does not say it is a sample", j.Name, f.Rule, f.Message)
					}
				}
			}
		}
	}
	want := map[string][]string{"e2e-metrics-hot": {"M1 WARN", "M2 WARN", "M3 OK"}}
	if !equalLists(got, want) {
		t.Errorf("usage findings %q, want %q", got, want)
	}
	if health["e2e-metrics-hot"] != "WARN" || health["e2e-metrics-calm"] != "OK" || rep.Verdict != "WARN" {
		t.Errorf("health %v, verdict %s; want hot WARN, calm OK, verdict WARN", health, rep.Verdict)
	}
}

func equalLists(a, b map[string][]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			return false
		}
	}
	return true
}
