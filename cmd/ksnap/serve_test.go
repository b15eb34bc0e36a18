package main

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestNewServeCmd(t *testing.T) {
	at := time.Date(2026, 11, 23, 9, 30, 0, 0, time.UTC)
	tests := []struct {
		name    string
		args    []string
		want    *serveOptions
		wantErr string
	}{
		{"defaults", []string{"b.tar.zst"}, &serveOptions{Path: "b.tar.zst"}, ""},
		{"all flags", []string{"dir", "--at", "2026-11-23T09:30:00Z", "--port", "8001", "--kubeconfig-out", "kc"},
			&serveOptions{Path: "dir", At: at, Port: 8001, KubeconfigOut: "kc"}, ""},
		{"bad time", []string{"dir", "--at", "yesterday"}, nil, `--at "yesterday": want an RFC 3339 time such as 2026-11-23T09:30:00Z`},
		{"bad port", []string{"dir", "--port", "70000"}, nil, "--port 70000: must be 0 (any free port) to 65535"},
		{"no path", nil, nil, "accepts 1 arg(s), received 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseOptions(t, newServeCmd, nil, tt.args)
			if checkErr(t, err, tt.wantErr) && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

// TestServeRunsUntilCancelled runs ksnap serve in-process: it writes the
// kubeconfig, prints the export line, and exits 0 when ctx is cancelled.
func TestServeRunsUntilCancelled(t *testing.T) {
	e, out, errb := testEnv(t)
	kc := filepath.Join(t.TempDir(), "kc")
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan int, 1)
	go func() {
		done <- run(ctx, []string{"serve", "../../fixtures/scenarios/crashloop.tar.zst", "--kubeconfig-out", kc}, e)
	}()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, err := os.Stat(kc); err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no kubeconfig after 10s")
		}
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if code := <-done; code != 0 {
		t.Fatalf("exit %d, stderr %q", code, errb)
	}
	data, _ := os.ReadFile(kc)
	if !strings.Contains(string(data), `current-context: "ksnap-ksnap-e2e@20261123T092613Z"`) || !strings.Contains(string(data), `server: "http://127.0.0.1:`) {
		t.Errorf("kubeconfig:\n%s", data)
	}
	if want := "export KUBECONFIG=" + kc + "\n"; !strings.HasSuffix(out.String(), want) || strings.Contains(out.String(), "apiVersion:") {
		t.Errorf("stdout %q", out)
	}
}

func TestServeBadInput(t *testing.T) {
	dir := t.TempDir()
	raw, err := os.ReadFile("../../fixtures/scenarios/crashloop.tar.zst")
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "b.tar.zst"), raw, 0o644)
	os.WriteFile(filepath.Join(dir, "bad.tar.zst"), raw[:100], 0o644)
	tests := []struct {
		name    string
		args    []string
		wantErr string
	}{
		{"at with a file", []string{"serve", filepath.Join(dir, "b.tar.zst"), "--at", "2026-11-23T09:30:00Z"},
			"ksnap: --at needs a directory of bundles, not the file " + filepath.Join(dir, "b.tar.zst") + " (see --help)\n"},
		{"nothing that early", []string{"serve", dir, "--at", "2020-01-01T00:00:00Z"},
			"ksnap: " + dir + ": 2020-01-01T00:00:00.000000000Z: no bundle captured at or before that time\n"},
		{"corrupt bundle", []string{"serve", filepath.Join(dir, "bad.tar.zst")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _, errb := testEnv(t)
			if code := run(context.Background(), tt.args, e); code != exitUnknown {
				t.Fatalf("exit %d, want %d", code, exitUnknown)
			}
			if tt.wantErr == "" {
				if lines := strings.Count(errb.String(), "\n"); lines != 1 || !strings.HasPrefix(errb.String(), "ksnap: ") {
					t.Errorf("stderr %q: want one ksnap: line", errb)
				}
				return
			}
			if errb.String() != tt.wantErr {
				t.Errorf("stderr %q\nwant   %q", errb, tt.wantErr)
			}
		})
	}
}
