package serve

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
)

// ErrNoBundleAt is returned (wrapped) by Pick when no bundle of the
// directory was captured at or before the time asked for.
var ErrNoBundleAt = errors.New("no bundle captured at or before that time")

// Pick returns the path of the newest bundle in dir (bundle.List's rule
// and order) captured at or before at; the zero at means the newest of
// all. Bundles whose capture time is unknown are never picked.
func Pick(dir string, at time.Time) (string, error) {
	es, err := bundle.List(dir)
	if err != nil {
		return "", err
	}
	pick := ""
	for _, e := range es {
		if e.Err == nil && (at.IsZero() || !e.Time.After(at)) {
			pick = e.Path
		}
	}
	if pick == "" {
		if at.IsZero() {
			return "", fmt.Errorf("%s: no bundle in the directory", dir)
		}
		return "", fmt.Errorf("%s: %s: %w", dir, bundle.FormatTime(at), ErrNoBundleAt)
	}
	return pick, nil
}

// ContextName names the kubeconfig context for a bundle: its namespace
// and capture time, "ksnap-NAMESPACE@YYYYMMDDTHHMMSSZ", so the prompt and
// `kubectl config current-context` say which capture is being looked at.
func ContextName(m *bundle.Manifest) string {
	ns := m.Namespace
	if ns == "" {
		ns = "default"
	}
	stamp := m.CapturedAt
	if t, err := m.CaptureTime(); err == nil {
		stamp = t.Format("20060102T150405Z")
	}
	return "ksnap-" + ns + "@" + stamp
}

// Kubeconfig is a kubeconfig whose one context points at server (an
// http:// URL of ksnap serve) in the bundle's namespace.
func Kubeconfig(server string, m *bundle.Manifest) []byte {
	name := ContextName(m)
	ns := m.Namespace
	if ns == "" {
		ns = "default"
	}
	var b strings.Builder
	fmt.Fprintf(&b, `apiVersion: v1
kind: Config
clusters:
- name: %[1]q
  cluster:
    server: %[2]q
contexts:
- name: %[1]q
  context:
    cluster: %[1]q
    namespace: %[3]q
    user: ksnap
current-context: %[1]q
users:
- name: ksnap
  user: {}
preferences: {}
`, name, server, ns)
	return []byte(b.String())
}
