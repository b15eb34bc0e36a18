// Package s3test gives s3-tagged tests a real S3 server: the one named by
// KSNAP_S3_ENDPOINT (started by scripts/test-s3), or SeaweedFS started by
// scripts/s3/up on 127.0.0.1 (free ports) and stopped by PID with
// scripts/s3/down. It exports the server's test-only credentials into the
// process environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY,
// AWS_REGION), as a deployment would. Test support only.
package s3test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/e2e/reporoot"
)

// Server is the S3 endpoint and its bucket.
type Server struct {
	Endpoint, Bucket string
}

// Main starts a server for the whole test binary when KSNAP_S3_ENDPOINT is
// not set, runs the tests and stops it: os.Exit(s3test.Main(m, &srv)).
func Main(m *testing.M, srv *Server) int {
	if os.Getenv("KSNAP_S3_ENDPOINT") == "" {
		stop, err := start(os.Setenv)
		if err != nil {
			fmt.Fprintln(os.Stderr, "s3test:", err)
			return 1
		}
		defer stop()
	}
	*srv = Server{Endpoint: os.Getenv("KSNAP_S3_ENDPOINT"), Bucket: os.Getenv("KSNAP_S3_BUCKET")}
	return m.Run()
}

// Start is Main for one test (a package whose TestMain is taken): the
// server is stopped when the test ends.
func Start(t testing.TB) Server {
	t.Helper()
	if os.Getenv("KSNAP_S3_ENDPOINT") == "" {
		stop, err := start(func(k, v string) error { t.Setenv(k, v); return nil })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(stop)
	}
	return Server{Endpoint: os.Getenv("KSNAP_S3_ENDPOINT"), Bucket: os.Getenv("KSNAP_S3_BUCKET")}
}

// start runs scripts/s3/up, exports its env file with setenv and returns
// the function that stops it.
func start(setenv func(k, v string) error) (func(), error) {
	dir, err := os.MkdirTemp("", "ksnap-s3test-")
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "s3")
	root := reporoot.Dir()
	stop := func() {
		cmd := exec.Command(filepath.Join(root, "scripts/s3/down"), data)
		cmd.Stderr = os.Stderr
		if cmd.Run() == nil {
			os.RemoveAll(dir)
		}
	}
	cmd := exec.Command(filepath.Join(root, "scripts/s3/up"), data)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		stop()
		return nil, fmt.Errorf("scripts/s3/up: %v", err)
	}
	env, err := os.ReadFile(filepath.Join(data, "env"))
	if err != nil {
		stop()
		return nil, err
	}
	for _, l := range strings.Split(strings.TrimSpace(string(env)), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			setenv(k, v)
		}
	}
	return stop, nil
}
