// Package pgtest gives postgres-tagged tests a real PostgreSQL server: the
// one named by KSNAP_PG_URL (started by scripts/test-postgres), or one it
// starts itself with scripts/pg/up on 127.0.0.1 and a free port and stops
// with scripts/pg/down (by PID) when the test binary ends. Each test gets a
// database of its own. It is test support only: nothing outside _test.go
// files and this package's callers in tests may import it.
package pgtest

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/ksnap/ksnap/e2e/reporoot"

	"github.com/jackc/pgx/v5"
)

var (
	inMain  bool
	mu      sync.Mutex
	baseURL string
	dataDir string
	seq     atomic.Int64
)

// Main runs the package's tests and stops a server that pgtest started. Call
// it from TestMain: os.Exit(pgtest.Main(m)).
//
// Without Main (a package whose TestMain belongs to something else, such
// as testscript), each test that calls DB starts and stops its own server.
func Main(m *testing.M) int {
	inMain = true
	code := m.Run()
	mu.Lock()
	defer mu.Unlock()
	if dataDir != "" {
		if err := stop(dataDir); err != nil {
			fmt.Fprintf(os.Stderr, "pgtest: %v\n", err)
			code = 1
		}
	}
	return code
}

func stop(data string) error {
	cmd := exec.Command(filepath.Join(reporoot.Dir(), "scripts/pg/down"), data)
	cmd.Stderr = os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("scripts/pg/down: %v", err)
	}
	return os.RemoveAll(filepath.Dir(data))
}

// server returns the base URL, starting a server on first use.
func server(t testing.TB) string {
	mu.Lock()
	defer mu.Unlock()
	if baseURL != "" {
		return baseURL
	}
	if !inMain && os.Getenv("KSNAP_PG_URL") == "" {
		data, u := start(t)
		t.Cleanup(func() {
			if err := stop(data); err != nil {
				t.Error(err)
			}
		})
		return u
	}
	if u := os.Getenv("KSNAP_PG_URL"); u != "" {
		baseURL = u
		return baseURL
	}
	dataDir, baseURL = start(t)
	return baseURL
}

// start runs scripts/pg/up and returns its data dir and URL.
func start(t testing.TB) (data, u string) {
	// Not t.TempDir: the server runs as the postgres user, which must be
	// able to reach the directory, and it outlives the test.
	dir, err := os.MkdirTemp("", "ksnap-pgtest-")
	if err != nil {
		t.Fatal(err)
	}
	os.Chmod(dir, 0o755)
	data = filepath.Join(dir, "pg")
	out, err := exec.Command(filepath.Join(reporoot.Dir(), "scripts/pg/up"), data).CombinedOutput()
	if err != nil {
		t.Fatalf("scripts/pg/up: %v\n%s", err, out)
	}
	env, err := os.ReadFile(filepath.Join(data, "env"))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(env), "\n") {
		if v, ok := strings.CutPrefix(l, "KSNAP_PG_URL="); ok {
			u = v
		}
	}
	if u == "" {
		t.Fatalf("no KSNAP_PG_URL in %s/env", data)
	}
	return data, u
}

// DB creates an empty database for the test and returns its URL. The
// database is dropped when the test ends.
func DB(t testing.TB) string {
	t.Helper()
	base := server(t)
	name := fmt.Sprintf("t_%d_%d", os.Getpid(), seq.Add(1))
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, base)
	if err != nil {
		t.Fatalf("connect to the test server: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatalf("create database %s: %v", name, err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(ctx, base)
		if err != nil {
			return
		}
		defer c.Close(ctx)
		c.Exec(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatal(err)
	}
	u.Path = "/" + name
	return u.String()
}
