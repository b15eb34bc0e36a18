package capture

import (
	"context"
	"strings"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/kubectl"
)

// Pod metrics (Options.Metrics): one more list call, of the metrics.k8s.io
// API that metrics-server serves. The API is optional in a cluster, so a
// cluster that does not serve it, or an identity that may not read it, gives
// a command with status unavailable (not a failure: the bundle is complete,
// the verdict unchanged); any other error is a failed command like any list.

// metricsCallArgs returns the kubectl arguments of the pod metrics call.
// PodMetrics objects carry the pods' labels in recent metrics-server
// releases but not in older ones (metrics-server#604); -l is passed anyway,
// so that the list stays the size of the selection, and analysis joins by
// namespace and name.
func metricsCallArgs(namespace, selector string) []string {
	args := []string{"get", "podmetrics.metrics.k8s.io", "-o", "json", "-n", namespace}
	if selector != "" {
		args = append(args, "-l", selector)
	}
	return args
}

// startMetrics runs the pod metrics call in the background when enabled and
// returns a function that waits for it and appends its command and member.
func startMetrics(ctx context.Context, r kubectl.Runner, opts Options) func([]bundle.Command, []bundle.Member) ([]bundle.Command, []bundle.Member) {
	if !opts.Metrics {
		return func(c []bundle.Command, m []bundle.Member) ([]bundle.Command, []bundle.Member) { return c, m }
	}
	done := make(chan kubectl.Result, 1)
	go func() { done <- r.Run(ctx, metricsCallArgs(opts.Namespace, opts.Selector)) }()
	return func(cmds []bundle.Command, members []bundle.Member) ([]bundle.Command, []bundle.Member) {
		c, m := metricsCommand(<-done)
		cmds = append(cmds, c)
		if m != nil {
			members = append(members, *m)
		}
		return cmds, members
	}
}

// metricsCommand records the pod metrics call: like any list, except that
// an absent or forbidden metrics API makes it unavailable.
func metricsCommand(res kubectl.Result) (bundle.Command, *bundle.Member) {
	c, m := commandFromResult(bundle.KindPodMetrics, bundle.PodMetricsMember, res, true)
	if c.Status == bundle.StatusFailed && res.ExitCode > 0 {
		if reason := MetricsUnavailable(string(res.Stderr)); reason != "" {
			c.Status, c.Error = bundle.StatusUnavailable, reason
		}
	}
	return c, m
}

// MetricsUnavailable returns why the metrics API cannot be read, from
// kubectl's stderr, or "" when stderr shows another error: the API is not
// served (no metrics-server) or the identity is Forbidden to list it.
func MetricsUnavailable(stderr string) string {
	switch {
	case strings.Contains(stderr, "the server doesn't have a resource type"),
		strings.Contains(stderr, "the server could not find the requested resource"):
		return "the metrics API (metrics.k8s.io) is not served by this cluster"
	case strings.Contains(stderr, "(Forbidden)"):
		return "this identity may not list pods.metrics.k8s.io (Forbidden)"
	}
	return ""
}
