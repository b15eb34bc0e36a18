package kubectl

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestCheckReadOnly(t *testing.T) {
	t.Parallel()
	allowed := [][]string{
		{"get", "jobs", "-o", "json", "-n", "ns", "-l", "app=x"},
		{"get", "events", "-o", "json", "-n", "ns"},
		{"get", "podmetrics.metrics.k8s.io", "-o", "json", "-n", "ns", "-l", "app=x"},
		{"logs", "-n", "ns", "-c", "main", "--tail=100", "--", "pod-1"},
		{"logs", "-n", "ns", "-c", "main", "--tail=100", "--previous", "--kubeconfig", "/k/cfg", "--context", "arn:aws:eks:eu-west-1:1:cluster/x", "--", "pod-1.x"},
		{"version", "-o", "json"},
	}
	for _, args := range allowed {
		if err := CheckReadOnly(args); err != nil {
			t.Errorf("CheckReadOnly(%q) = %v, want nil", args, err)
		}
	}
	// Every mutating or interactive kubectl verb, and flags that would write
	// or impersonate behind an allowed verb.
	refused := [][]string{
		{"apply", "-f", "x.yaml"}, {"create", "job", "x"}, {"delete", "job", "x"}, {"patch", "job", "x", "-p", "{}"},
		{"replace", "-f", "x"}, {"edit", "job", "x"}, {"scale", "job", "x", "--replicas=0"}, {"exec", "pod", "--", "sh"},
		{"run", "x", "--image=busybox"}, {"expose", "job", "x"}, {"set", "image", "job/x", "c=i"}, {"label", "job", "x", "a=b"},
		{"annotate", "job", "x", "a=b"}, {"rollout", "restart", "deploy/x"}, {"autoscale", "deploy", "x"},
		{"cordon", "node"}, {"uncordon", "node"}, {"drain", "node"}, {"taint", "node", "n", "k=v:NoSchedule"},
		{"attach", "pod"}, {"port-forward", "pod", "80"}, {"proxy"}, {"cp", "a", "b"}, {"debug", "pod"},
		{"certificate", "approve", "x"}, {"auth", "reconcile", "-f", "x"}, {"config", "set-context", "x"},
		{"plugin", "list"}, {"kustomize", "."}, {"wait", "--for=delete", "pod/x"}, {"events"}, {"top", "pod"},
		{"api-resources"}, {"cluster-info", "dump"}, {"alpha", "x"}, {"completion", "bash"},
		{}, {"GET", "pods"}, {"--namespace", "x", "delete", "pod", "y"},
		{"get", "--raw", "/api/v1/namespaces/x/pods/y/exec"}, {"get", "pods", "--raw=/x"}, {"get", "pods", "--as", "admin"},
		{"get", "pods", "--as=system:admin"}, {"get", "pods", "--token", "t"}, {"get", "pods", "--edit"},
		{"get", "pods", "--save-config"}, {"logs", "p", "--as-group=system:masters"},
		{"get", "podmetrics", "-o", "json", "-n", "ns"}, {"get", "nodemetrics.metrics.k8s.io", "-o", "json"},
		// Names are data: a pod named like a flag, a namespace like a
		// path, anything but the flags ksnap passes.
		{"logs", "-n", "ns", "-c", "main", "--selector=app=x"}, {"logs", "-n", "ns", "-c", "main", "--", "--selector=app=x"},
		{"logs", "--selector=app=x", "-n", "ns", "--", "p"}, {"logs", "-n", "ns", "-c", "main", "p"},
		{"logs", "-n", "ns", "--", "p", "q"}, {"get", "pods", "-n", "x/../../../ESCAPED"}, {"get", "pods", "-n", "-l"},
		{"get", "pods", "-o", "json", "-n"}, {"get", "secrets", "-o", "json"}, {"get", "pods", "jobs"},
		{"get", "pods", "-l", "-x"}, {"get", "pods", "-c", "A_B"}, {"get", "pods", "--context", "-n"},
		{"get", "pods", "--context", "a\nb"}, {"get", "pods", "-w"}, {"get", "pods", "--watch"},
		{"get", "pods", "--tail=x"}, {"version", "extra"}, {"get", "--", "pods"},
	}
	for _, args := range refused {
		err := CheckReadOnly(args)
		if !errors.Is(err, ErrNotReadOnly) {
			t.Errorf("CheckReadOnly(%q) = %v, want ErrNotReadOnly", args, err)
		}
	}
}

// The exec runner is tested against this test binary re-run as a fake
// kubectl (TestHelperProcess), so exit codes, stderr, timeouts and missing
// binaries are real process behaviour.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("KSNAP_KUBECTL_HELPER") != "1" {
		return
	}
	args := os.Args
	for i, a := range args {
		if a == "--" {
			args = args[i+1:]
			break
		}
	}
	switch args[0] {
	case "get":
		fmt.Fprint(os.Stdout, `{"kind":"JobList","items":[]}`)
		fmt.Fprintf(os.Stderr, "argv=%s\n", strings.Join(args, " "))
		os.Exit(0)
	case "logs":
		fmt.Fprint(os.Stderr, "I1123 noise line\nError from server (Forbidden): pods \"p\" is forbidden: User \"ro\" cannot get resource \"pods/log\"\n")
		os.Exit(1)
	case "version":
		time.Sleep(10 * time.Second)
		os.Exit(0)
	}
	os.Exit(2)
}

func helperExec(t *testing.T) *Exec {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	// The helper is invoked as: test-binary -test.run=TestHelperProcess -- ARGS
	dir := t.TempDir()
	wrapper := filepath.Join(dir, "kubectl")
	script := fmt.Sprintf("#!/bin/sh\nexec %q -test.run=TestHelperProcess -- \"$@\"\n", exe)
	if err := os.WriteFile(wrapper, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return &Exec{Path: wrapper, Kubeconfig: "/k/cfg", Context: "ctx1", Timeout: time.Minute,
		Env: append(os.Environ(), "KSNAP_KUBECTL_HELPER=1")}
}

func TestExecRunner(t *testing.T) {
	t.Parallel()
	x := helperExec(t)
	ctx := context.Background()

	t.Run("success, flags appended after the command", func(t *testing.T) {
		res := x.Run(ctx, []string{"get", "jobs", "-o", "json", "-n", "ns"})
		if res.Err != nil || res.ExitCode != 0 {
			t.Fatalf("res = %+v", res)
		}
		if string(res.Stdout) != `{"kind":"JobList","items":[]}` {
			t.Errorf("stdout %q", res.Stdout)
		}
		if got := string(res.Stderr); got != "argv=get jobs -o json -n ns --kubeconfig /k/cfg --context ctx1\n" {
			t.Errorf("kubectl saw %q", got)
		}
		if res.Argv[0] != x.Path || res.Argv[len(res.Argv)-1] != "ctx1" {
			t.Errorf("argv %q", res.Argv)
		}
	})
	t.Run("non-zero exit keeps stderr and names its last line", func(t *testing.T) {
		res := x.Run(ctx, []string{"logs", "-c", "main", "--tail=5", "--", "p"})
		// --kubeconfig and --context go before "--": after it they would
		// be pod names.
		if got, want := strings.Join(res.Argv[1:], " "), "logs -c main --tail=5 --kubeconfig /k/cfg --context ctx1 -- p"; got != want {
			t.Errorf("argv %q, want %q", got, want)
		}
		var ee *ExitError
		if !errors.As(res.Err, &ee) || ee.Code != 1 || res.ExitCode != 1 {
			t.Fatalf("err = %v, exit %d", res.Err, res.ExitCode)
		}
		want := `kubectl exited 1: Error from server (Forbidden): pods "p" is forbidden: User "ro" cannot get resource "pods/log"`
		if res.Err.Error() != want {
			t.Errorf("err = %q\nwant  %q", res.Err, want)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		short := *x
		short.Timeout = 500 * time.Millisecond
		res := short.Run(ctx, []string{"version", "-o", "json"})
		var te *TimeoutError
		if !errors.As(res.Err, &te) || res.ExitCode != -1 {
			t.Fatalf("err = %v, exit %d", res.Err, res.ExitCode)
		}
		if res.Err.Error() != "kubectl timed out after 500ms (raise --timeout or check the API server)" {
			t.Errorf("err = %q", res.Err)
		}
	})
	t.Run("refused before running", func(t *testing.T) {
		res := x.Run(ctx, []string{"delete", "job", "x"})
		if !errors.Is(res.Err, ErrNotReadOnly) || res.Stdout != nil {
			t.Fatalf("res = %+v", res)
		}
	})
	t.Run("stream: stdout to the writer, counted, not kept", func(t *testing.T) {
		var w bytes.Buffer
		res := x.RunStream(ctx, []string{"get", "jobs", "-o", "json", "-n", "ns"}, &w)
		if res.Err != nil || res.ExitCode != 0 || res.Stdout != nil {
			t.Fatalf("res = %+v", res)
		}
		if w.String() != `{"kind":"JobList","items":[]}` || res.StdoutSize != int64(w.Len()) {
			t.Errorf("stdout %q, size %d", w.String(), res.StdoutSize)
		}
		if got := string(res.Stderr); got != "argv=get jobs -o json -n ns --kubeconfig /k/cfg --context ctx1\n" {
			t.Errorf("kubectl saw %q", got)
		}
		// A writer that does not read for itself (bytes.Buffer does) is
		// written to and counted the same.
		w.Reset()
		res = x.RunStream(ctx, []string{"get", "jobs", "-o", "json", "-n", "ns"}, struct{ io.Writer }{&w})
		if res.Err != nil || w.String() != `{"kind":"JobList","items":[]}` || res.StdoutSize != int64(w.Len()) {
			t.Errorf("plain writer: res = %+v, stdout %q", res, w.String())
		}
		w.Reset()
		res = x.RunStream(ctx, []string{"delete", "job", "x"}, &w)
		if !errors.Is(res.Err, ErrNotReadOnly) || w.Len() != 0 || res.StdoutSize != 0 {
			t.Fatalf("refused: res = %+v, wrote %d", res, w.Len())
		}
	})
}

func TestExecMissingAndNotExecutable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	notExec := filepath.Join(dir, "kubectl")
	if err := os.WriteFile(notExec, []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{filepath.Join(dir, "missing-kubectl"), notExec, "ksnap-no-such-kubectl-in-path"} {
		res := (&Exec{Path: path}).Run(context.Background(), []string{"version", "-o", "json"})
		var nf *NotFoundError
		if !errors.As(res.Err, &nf) || res.ExitCode != -1 {
			t.Errorf("%s: err = %v (%T), exit %d", path, res.Err, res.Err, res.ExitCode)
			continue
		}
		if !strings.Contains(res.Err.Error(), "install kubectl or pass --kubectl PATH") {
			t.Errorf("%s: err %q has no hint", path, res.Err)
		}
	}
}

func TestTailBufferKeepsTheLastBytes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		max    int
		writes []string
		want   string
	}{
		{0, []string{"abc", "def"}, "abcdef"},
		{4, []string{"ab", "cd", "ef"}, "cdef"},
		{4, []string{"abcdefgh", "ij"}, "ghij"},
		{4, []string{"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"}, "ghij"},
		{4, []string{"abcdefghij"}, "ghij"},
	}
	for _, tt := range tests {
		b := &tailBuffer{max: tt.max}
		total := 0
		for _, w := range tt.writes {
			b.Write([]byte(w))
			total += len(w)
			if tt.max > 0 && cap(b.buf) > 4*tt.max+16 {
				t.Errorf("max %d: buffer grew to %d", tt.max, cap(b.buf))
			}
		}
		if string(b.Bytes()) != tt.want || b.total != int64(total) {
			t.Errorf("max %d, writes %q: kept %q of %d, want %q of %d", tt.max, tt.writes, b.Bytes(), b.total, tt.want, total)
		}
	}
}

// TestTailBufferUnboundedChunks: an unbounded buffer written in pipe-sized
// and odd-sized pieces, past several chunks, returns exactly what was
// written, and again when Bytes is called twice or written after.
func TestTailBufferUnboundedChunks(t *testing.T) {
	t.Parallel()
	for _, size := range []int{1, 4096, 32 << 10, 100_003, 1 << 20} {
		var want bytes.Buffer
		b := &tailBuffer{}
		for i := 0; want.Len() < 3*chunkMax; i++ {
			p := bytes.Repeat([]byte{byte('a' + i%26)}, size+i%7)
			b.Write(p)
			want.Write(p)
			if size == 1 && want.Len() > 4*chunkMin {
				break
			}
		}
		if got := b.Bytes(); !bytes.Equal(got, want.Bytes()) || b.total != int64(want.Len()) || cap(got) != len(got) {
			t.Fatalf("writes of %d: %d bytes (cap %d), total %d; want %d", size, len(got), cap(got), b.total, want.Len())
		}
		b.Write([]byte("tail"))
		want.WriteString("tail")
		if got := b.Bytes(); !bytes.Equal(got, want.Bytes()) {
			t.Fatalf("writes of %d, then more: %d bytes, want %d", size, len(got), want.Len())
		}
	}
}

// BenchmarkTailBufferUnbounded writes 100 MB in 32 KiB pieces (what
// os/exec's copy of a kubectl list does) and takes the bytes.
func BenchmarkTailBufferUnbounded(b *testing.B) {
	p := bytes.Repeat([]byte("x"), 32<<10)
	b.SetBytes(100 << 20)
	b.ReportAllocs()
	for b.Loop() {
		t := &tailBuffer{}
		for range (100 << 20) / len(p) {
			t.Write(p)
		}
		if len(t.Bytes()) != 100<<20 {
			b.Fatal("short")
		}
	}
}
