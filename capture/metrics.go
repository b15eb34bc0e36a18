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

// startMetrics runs the pod metrics call in the background when enabled
// (its stdout into a spill file of ss) and returns a function that waits for
// it and returns its command and member (none when disabled); the error is
// only that no spill file could be made.
func startMetrics(ctx context.Context, r kubectl.Runner, opts Options, ss *spills) func() ([]bundle.Command, []bundle.Member, error) {
	if !opts.Metrics {
		return func() ([]bundle.Command, []bundle.Member, error) { return nil, nil, nil }
	}
	type out struct {
		c   bundle.Command
		m   *bundle.Member
		err error
	}
	done := make(chan out, 1)
	go func() {
		res, c, m, _, err := runList(ctx, r, ss, bundle.KindPodMetrics, bundle.PodMetricsMember, metricsCallArgs(opts.Namespace, opts.Selector))
		done <- out{metricsStatus(c, res), m, err}
	}()
	return func() ([]bundle.Command, []bundle.Member, error) {
		o := <-done
		if o.err != nil {
			return nil, nil, o.err
		}
		if o.m == nil {
			return []bundle.Command{o.c}, nil, nil
		}
		return []bundle.Command{o.c}, []bundle.Member{*o.m}, nil
	}
}

// metricsStatus turns a failed pod metrics call into unavailable when
// kubectl's stderr says the API is not served or forbidden.
func metricsStatus(c bundle.Command, res kubectl.Result) bundle.Command {
	if c.Status == bundle.StatusFailed && res.ExitCode > 0 {
		if reason := MetricsUnavailable(string(res.Stderr)); reason != "" {
			c.Status, c.Error = bundle.StatusUnavailable, reason
		}
	}
	return c
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
