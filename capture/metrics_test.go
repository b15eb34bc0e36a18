package capture

import (
	"context"
	"reflect"
	"testing"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl/kubectltest"
)

const podMetricsOut = `{"apiVersion":"v1","items":[{"apiVersion":"metrics.k8s.io/v1beta1","kind":"PodMetrics","metadata":{"name":"job-b-crash","namespace":"trading-bots"},"timestamp":"2025-11-16T09:59:50Z","window":"15s","containers":[{"name":"main","usage":{"cpu":"250m","memory":"100Mi"}}]}],"kind":"List","metadata":{"resourceVersion":""}}` + "\n"

func TestRunMetrics(t *testing.T) {
	t.Parallel()
	metricsArgs := metricsCallArgs("trading-bots", "app=arbitrage-tuning")
	tests := []struct {
		name       string
		resp       kubectltest.Response
		wantStatus string
		wantError  string
		wantMember bool
		wantFailed int
	}{
		{name: "served", resp: kubectltest.Response{Stdout: podMetricsOut},
			wantStatus: bundle.StatusOK, wantMember: true},
		{name: "absent", resp: kubectltest.Response{ExitCode: 1,
			Stderr: "error: the server doesn't have a resource type \"podmetrics\"\n"},
			wantStatus: bundle.StatusUnavailable, wantError: "the metrics API (metrics.k8s.io) is not served by this cluster", wantMember: true},
		{name: "forbidden", resp: kubectltest.Response{ExitCode: 1,
			Stderr: "Error from server (Forbidden): pods.metrics.k8s.io is forbidden: User \"system:serviceaccount:trading-bots:ro\" cannot list resource \"pods\" in API group \"metrics.k8s.io\" in the namespace \"trading-bots\"\n"},
			wantStatus: bundle.StatusUnavailable, wantError: "this identity may not list pods.metrics.k8s.io (Forbidden)", wantMember: true},
		{name: "broken metrics-server", resp: kubectltest.Response{ExitCode: 1,
			Stderr: "Error from server (ServiceUnavailable): the server is currently unable to handle the request (get pods.metrics.k8s.io)\n"},
			wantStatus: bundle.StatusFailed, wantError: "kubectl exited 1: Error from server (ServiceUnavailable): the server is currently unable to handle the request (get pods.metrics.k8s.io)", wantMember: true, wantFailed: 1},
		{name: "not JSON", resp: kubectltest.Response{Stdout: "NAME CPU\n"},
			wantStatus: bundle.StatusFailed, wantError: `kubectl output is not valid JSON (9 bytes, starts "NAME CPU\n")`, wantMember: true, wantFailed: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := kubectltest.NewFake(t)
			expectLists(f, kubectltest.Response{Stdout: eventsOut})
			f.Expect(metricsArgs, tt.resp)
			opts := baseOptions(t)
			opts.Logs, opts.Metrics = LogsNone, true
			res, err := Run(context.Background(), opts, f)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, c := range res.Manifest.Commands {
				kinds = append(kinds, c.Kind)
			}
			if want := []string{"version", "jobs", "pods", "events", "podmetrics"}; !reflect.DeepEqual(kinds, want) {
				t.Fatalf("kinds %q, want %q", kinds, want)
			}
			c := res.Manifest.Commands[4]
			if c.Status != tt.wantStatus || c.Error != tt.wantError {
				t.Errorf("status %q error %q, want %q %q", c.Status, c.Error, tt.wantStatus, tt.wantError)
			}
			if len(res.Failed) != tt.wantFailed {
				t.Errorf("failed %d, want %d", len(res.Failed), tt.wantFailed)
			}
			b, err := bundle.Open(res.Path)
			if err != nil {
				t.Fatal(err)
			}
			data, err := b.Member(bundle.PodMetricsMember)
			if (err == nil) != tt.wantMember {
				t.Fatalf("member: %v", err)
			}
			if tt.wantMember && string(data) != tt.resp.Stdout {
				t.Errorf("member %q, want the bytes kubectl printed", data)
			}
		})
	}
}

func TestRunWithoutMetricsMakesNoCall(t *testing.T) {
	t.Parallel()
	f := kubectltest.NewFake(t) // strict: a podmetrics call would fail the test
	expectLists(f, kubectltest.Response{Stdout: eventsOut})
	opts := baseOptions(t)
	opts.Logs = LogsNone
	res, err := Run(context.Background(), opts, f)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := res.Manifest.Command(bundle.KindPodMetrics); ok {
		t.Error("podmetrics command without Options.Metrics")
	}
}
