//go:build e2e

package e2e

import (
	"context"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// deployNamespace is the namespace of deploy/overlays/e2e.
const deployNamespace = "ksnap-deploy-e2e"

// TestDeployManifests applies deploy/overlays/e2e (the kustomize base with
// a namespace) to the real control plane, first with --dry-run=server (the
// API server validates every object), then for real, and proves with
// `kubectl auth can-i` that the CronJob's ServiceAccount can read jobs,
// pods, pods/log and events in its namespace and can create, patch or
// delete nothing, read no secrets, and read nothing in another namespace.
func TestDeployManifests(t *testing.T) {
	requireCluster(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	_, file, _, _ := runtime.Caller(0)
	overlay := filepath.Join(filepath.Dir(filepath.Dir(file)), "deploy", "overlays", "e2e")
	ak := func(args ...string) (string, error) {
		out, err := kubectl(ctx, env.adminKubeconfig, args...)
		return string(out), err
	}
	if _, err := ak("create", "namespace", deployNamespace); err != nil && !strings.Contains(err.Error(), "AlreadyExists") {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		kubectl(ctx, env.adminKubeconfig, "delete", "namespace", deployNamespace, "--wait=false")
	})
	dry, err := ak("apply", "--dry-run=server", "-k", overlay)
	if err != nil {
		t.Fatalf("apply --dry-run=server: %v", err)
	}
	want := []string{
		"serviceaccount/ksnap created (server dry run)",
		"role.rbac.authorization.k8s.io/ksnap-readonly created (server dry run)",
		"rolebinding.rbac.authorization.k8s.io/ksnap-readonly created (server dry run)",
		"configmap/ksnap created (server dry run)",
		"cronjob.batch/ksnap-record created (server dry run)",
	}
	if got := strings.Split(strings.TrimSpace(dry), "\n"); strings.Join(sorted(got), "\n") != strings.Join(sorted(want), "\n") {
		t.Errorf("dry run:\n%s\nwant:\n%s", dry, strings.Join(want, "\n"))
	}
	if _, err := ak("-n", deployNamespace, "get", "cronjob", "ksnap-record"); err == nil {
		t.Fatal("the dry run created the CronJob")
	}
	if _, err := ak("apply", "-k", overlay); err != nil {
		t.Fatalf("apply: %v", err)
	}
	out, err := ak("-n", deployNamespace, "get", "cronjob", "ksnap-record", "-o", "jsonpath={.spec.schedule} {.spec.suspend} {.spec.jobTemplate.spec.template.spec.serviceAccountName}")
	if err != nil || out != "*/5 * * * * true ksnap" {
		t.Fatalf("applied CronJob = %q, %v", out, err)
	}
	sa := "system:serviceaccount:" + deployNamespace + ":ksnap"
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"get", "jobs.batch"}, "yes"},
		{[]string{"list", "jobs.batch"}, "yes"},
		{[]string{"watch", "jobs.batch"}, "yes"},
		{[]string{"get", "pods"}, "yes"},
		{[]string{"list", "pods"}, "yes"},
		{[]string{"get", "pods", "--subresource=log"}, "yes"},
		{[]string{"list", "events"}, "yes"},
		{[]string{"list", "events.events.k8s.io"}, "yes"},
		{[]string{"create", "jobs.batch"}, "no"},
		{[]string{"patch", "jobs.batch"}, "no"},
		{[]string{"delete", "jobs.batch"}, "no"},
		{[]string{"create", "pods"}, "no"},
		{[]string{"patch", "pods"}, "no"},
		{[]string{"delete", "pods"}, "no"},
		{[]string{"create", "pods", "--subresource=exec"}, "no"},
		{[]string{"delete", "events"}, "no"},
		{[]string{"patch", "cronjobs.batch"}, "no"},
		{[]string{"get", "secrets"}, "no"},
		{[]string{"create", "*"}, "no"},
		{[]string{"patch", "*"}, "no"},
		{[]string{"delete", "*"}, "no"},
		{[]string{"update", "*"}, "no"},
		{[]string{"*", "*"}, "no"},
	}
	for _, tt := range tests {
		args := append([]string{"auth", "can-i", "--as", sa, "-n", deployNamespace}, tt.args...)
		got, _ := ak(args...) // can-i exits 1 for "no"
		if strings.TrimSpace(got) != tt.want {
			t.Errorf("kubectl %s = %q, want %q", strings.Join(args, " "), strings.TrimSpace(got), tt.want)
		}
	}
	// Nothing outside its namespace, not even reads.
	for _, r := range []string{"jobs.batch", "pods"} {
		got, _ := ak("auth", "can-i", "--as", sa, "-n", env.namespace, "list", r)
		if strings.TrimSpace(got) != "no" {
			t.Errorf("list %s in %s = %q, want no", r, env.namespace, got)
		}
	}
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
