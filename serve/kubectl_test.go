//go:build kubectl

package serve

// The real kubectl against the handler, for every scenario fixture: run
// with scripts/test-kubectl-serve (go test -tags kubectl ./serve/). The
// handler listens on 127.0.0.1 on a free port (httptest); one test also
// runs the ksnap binary itself and stops it by PID with SIGINT.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/tidwall/gjson"
)

// kubectlEnv runs kubectl against one served bundle.
type kubectlEnv struct {
	t          *testing.T
	kubeconfig string
	home       string
}

func newKubectlEnv(t *testing.T, server string, m *bundle.Manifest) *kubectlEnv {
	t.Helper()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Skip("kubectl not installed")
	}
	dir := t.TempDir()
	kc := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(kc, Kubeconfig(server, m), 0o600); err != nil {
		t.Fatal(err)
	}
	return &kubectlEnv{t: t, kubeconfig: kc, home: dir}
}

// run returns kubectl's stdout, stderr and exit code.
func (k *kubectlEnv) run(args ...string) (string, string, int) {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Env = []string{"KUBECONFIG=" + k.kubeconfig, "HOME=" + k.home, "PATH=" + os.Getenv("PATH"), "KUBECTL_INTERACTIVE_DELETE=false"}
	cmd.Stdin = strings.NewReader("")
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		k.t.Fatalf("kubectl %v: %v", args, err)
	}
	return out.String(), errb.String(), code
}

func (k *kubectlEnv) ok(args ...string) string {
	k.t.Helper()
	out, errOut, code := k.run(args...)
	if code != 0 {
		k.t.Fatalf("kubectl %s: exit %d: %s", strings.Join(args, " "), code, errOut)
	}
	return out
}

func canonical(t *testing.T, raw string) string {
	var v any
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func memberItems(t *testing.T, b *bundle.Bundle, member string) []gjson.Result {
	data, err := b.Member(member)
	if c := mustCommand(b, strings.TrimSuffix(member, ".json")); err != nil || c.Failed() {
		return nil
	}
	items, err := listItems(data)
	if err != nil {
		t.Fatal(err)
	}
	return items
}

func TestKubectlAgainstServe(t *testing.T) {
	for _, p := range fixturePaths(t, "scenarios") {
		t.Run(stem(p), func(t *testing.T) {
			b := fixtureBundle(t, p)
			h, err := New(b)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(h)
			defer srv.Close()
			k := newKubectlEnv(t, srv.URL, b.Manifest)
			podsOK := !mustCommand(b, "pods").Failed()
			jobsOK := !mustCommand(b, "jobs").Failed()

			// get: the columns and ages kubectl printed at capture time.
			var golden strings.Builder
			for _, args := range [][]string{{"get", "jobs,pods"}, {"get", "pods", "-o", "wide"}, {"get", "events"}} {
				out, errOut, code := k.run(args...)
				fmt.Fprintf(&golden, "$ kubectl %s (exit %d)\n%s%s\n", strings.Join(args, " "), code, out, errOut)
			}
			checkGolden(t, "kubectl/"+stem(p)+".txt", []byte(golden.String()))

			// get -o json: every item equal to the bundle's (kubectl re-indents).
			if podsOK {
				for _, kind := range []struct{ res, member string }{{"pods", "pods.json"}, {"jobs", "jobs.json"}} {
					out := k.ok("get", kind.res, "-o", "json")
					var got, want []string
					for _, it := range gjson.Get(out, "items").Array() {
						got = append(got, canonical(t, it.Raw))
					}
					for _, it := range memberItems(t, b, kind.member) {
						want = append(want, canonical(t, it.Raw))
					}
					sort.Strings(got)
					sort.Strings(want)
					if !reflect.DeepEqual(got, want) {
						t.Errorf("get %s -o json: items differ from the bundle's", kind.res)
					}
				}
			}

			// describe job: the job and the reasons of its events.
			if jobsOK {
				events := memberItems(t, b, "events.json")
				for _, j := range memberItems(t, b, "jobs.json") {
					name := j.Get("metadata.name").String()
					out := k.ok("describe", "job", name)
					if !regexp.MustCompile(`(?m)^Name: +`+regexp.QuoteMeta(name)+`$`).MatchString(out) || !strings.Contains(out, "\nEvents:") {
						t.Errorf("describe job %s:\n%s", name, out)
					}
					for _, e := range events {
						if e.Get("involvedObject.kind").String() == "Job" && e.Get("involvedObject.name").String() == name && !strings.Contains(out, "  "+e.Get("reason").String()+"  ") {
							t.Errorf("describe job %s: event %s missing:\n%s", name, e.Get("reason").String(), out)
						}
					}
				}
			}

			// logs: the captured bytes, with -c, --previous and --tail.
			for _, c := range b.Manifest.Commands {
				if (c.Kind != "log" && c.Kind != "previous-log") || c.Failed() {
					continue
				}
				want, _ := b.Member(c.Member)
				args := []string{"logs", c.Pod, "-c", c.Container}
				if c.Kind == "previous-log" {
					args = append(args, "--previous")
				}
				if got := k.ok(args...); got != string(want) {
					t.Errorf("kubectl %s: got %q, want %q", strings.Join(args, " "), got, want)
				}
				if c.Kind == "log" {
					if got := k.ok("logs", c.Pod); got != string(want) {
						t.Errorf("kubectl logs %s: got %q, want %q", c.Pod, got, want)
					}
					if got := k.ok("logs", c.Pod, "--tail=1"); got != string(tail(want, 1)) {
						t.Errorf("kubectl logs %s --tail=1: got %q", c.Pod, got)
					}
				}
			}

			// -l: every selector operator, expectations computed from the labels.
			if pods := memberItems(t, b, "pods.json"); podsOK && len(pods) > 0 {
				key := "ktest.ksnap.io/scenario"
				v := pods[0].Get("metadata.labels." + gjson.Escape(key)).String()
				expect := func(keep func(val string, ok bool) bool) string {
					var s []string
					for _, p := range pods {
						l := p.Get("metadata.labels." + gjson.Escape(key))
						if keep(l.String(), l.Exists()) {
							s = append(s, "pod/"+p.Get("metadata.name").String()+"\n")
						}
					}
					sort.Strings(s)
					return strings.Join(s, "")
				}
				for _, tt := range []struct {
					sel  string
					keep func(string, bool) bool
				}{
					{key + "=" + v, func(x string, ok bool) bool { return ok && x == v }},
					{key + "==" + v, func(x string, ok bool) bool { return ok && x == v }},
					{key + "!=" + v, func(x string, ok bool) bool { return !ok || x != v }},
					{key + " in (" + v + ",nope)", func(x string, ok bool) bool { return ok && x == v }},
					{key + " notin (" + v + ")", func(x string, ok bool) bool { return !ok || x != v }},
					{key, func(_ string, ok bool) bool { return ok }},
					{"!" + key, func(_ string, ok bool) bool { return !ok }},
				} {
					if got, want := k.ok("get", "pods", "-l", tt.sel, "-o", "name"), expect(tt.keep); got != want {
						t.Errorf("get pods -l %q: got %q, want %q", tt.sel, got, want)
					}
				}
				if got := k.ok("get", "pods", "--field-selector", "metadata.name="+pods[0].Get("metadata.name").String(), "-o", "name"); got != "pod/"+pods[0].Get("metadata.name").String()+"\n" {
					t.Errorf("--field-selector metadata.name: %q", got)
				}
			}

			// every mutating verb: refused, and kubectl says why.
			manifest := filepath.Join(k.home, "pod.yaml")
			os.WriteFile(manifest, []byte("apiVersion: v1\nkind: Pod\nmetadata:\n  name: x\nspec:\n  containers:\n  - name: a\n    image: b\n"), 0o644)
			pod, job := "x", "x"
			if podsOK && len(memberItems(t, b, "pods.json")) > 0 {
				pod = memberItems(t, b, "pods.json")[0].Get("metadata.name").String()
			}
			if jobsOK && len(memberItems(t, b, "jobs.json")) > 0 {
				job = memberItems(t, b, "jobs.json")[0].Get("metadata.name").String()
			}
			for _, args := range [][]string{
				{"delete", "pod", pod},
				{"delete", "job", job},
				{"delete", "pods", "--all"},
				{"apply", "-f", manifest},
				{"create", "-f", manifest},
				{"replace", "-f", manifest},
				{"create", "job", "y", "--image=busybox"},
				{"label", "pod", pod, "a=b"},
				{"annotate", "job", job, "a=b"},
				{"scale", "job", job, "--replicas=2"},
				{"patch", "job", job, "-p", `{"spec":{"suspend":true}}`},
				{"set", "image", "job/" + job, "main=x"},
			} {
				out, errOut, code := k.run(args...)
				if code == 0 || !strings.Contains(errOut, ReadOnlyMessage) {
					if strings.Contains(errOut, "NotFound") || strings.Contains(errOut, readOnlyPrefix+": the bundle has no") || strings.Contains(out+errOut, "No resources found") {
						continue // nothing captured to change: refused before any write
					}
					t.Errorf("kubectl %s: exit %d, stdout %q, stderr %q", strings.Join(args, " "), code, out, errOut)
				}
			}
		})
	}
}

func mustCommand(b *bundle.Bundle, kind string) bundle.Command {
	c, ok := b.Manifest.Command(kind)
	if !ok {
		return bundle.Command{Status: bundle.StatusNotCaptured}
	}
	return c
}

// TestKsnapServeBinary runs `ksnap serve DIR --at T --kubeconfig-out F`,
// uses it with kubectl and stops it by PID with SIGINT: exit 0.
func TestKsnapServeBinary(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "ksnap")
	build := exec.Command("go", "build", "-o", bin, "../cmd/ksnap")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	bundles := filepath.Join(dir, "bundles")
	os.Mkdir(bundles, 0o755)
	for _, p := range []string{"scenarios/backoff.tar.zst", "scenarios/crashloop.tar.zst"} {
		raw, err := os.ReadFile(filepath.Join("..", "fixtures", p))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(bundles, filepath.Base(p)), raw, 0o644)
	}
	first := fixtureBundle(t, "scenarios/backoff.tar.zst")
	kc := filepath.Join(dir, "kubeconfig")
	cmd := exec.Command(bin, "serve", bundles, "--at", first.Manifest.CapturedAt, "--kubeconfig-out", kc)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if _, err := os.Stat(kc); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no kubeconfig after 20s; stderr %s", errb.String())
		}
		time.Sleep(50 * time.Millisecond)
	}
	k := &kubectlEnv{t: t, kubeconfig: kc, home: dir}
	if got := k.ok("get", "jobs", "-o", "name"); got != "job.batch/e2e-backoff\n" {
		t.Errorf("--at the first capture: got %q", got)
	}
	if got := k.ok("config", "current-context"); got != ContextName(first.Manifest)+"\n" {
		t.Errorf("context %q", got)
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("ksnap serve after SIGINT: %v; stderr %s", err, errb.String())
		}
	case <-time.After(15 * time.Second):
		t.Fatal("ksnap serve did not stop within 15s of SIGINT")
	}
	if want := "export KUBECONFIG=" + kc + "\n"; !strings.HasSuffix(out.String(), want) {
		t.Errorf("stdout %q does not end with %q", out.String(), want)
	}
}
