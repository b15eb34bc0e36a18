package serve

import (
	"bytes"
	"flag"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/fixtures"
)

var update = flag.Bool("update", false, "rewrite golden files")

// fixtureBundle opens a fixture bundle by its path under fixtures/.
func fixtureBundle(t testing.TB, p string) *bundle.Bundle {
	t.Helper()
	data, err := fixtures.FS.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := bundle.Decode(path.Base(p), data)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func fixtureHandler(t testing.TB, p string) *Handler {
	t.Helper()
	h, err := New(fixtureBundle(t, p))
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// fixturePaths are every fixture bundle, scenarios first.
func fixturePaths(t testing.TB, dir string) []string {
	t.Helper()
	var ps []string
	err := fs.WalkDir(fixtures.FS, dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, bundle.Extension) {
			ps = append(ps, p)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// do runs one request against h and returns the status code and body.
func do(t testing.TB, h http.Handler, method, target, accept string) (int, string) {
	t.Helper()
	req := httptest.NewRequest(method, target, nil)
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

// checkGolden compares got with testdata/NAME, rewriting it with -update.
func checkGolden(t *testing.T, name string, got []byte) {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("%v (run go test -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test -update rewrites it)\n--- got\n%s\n--- want\n%s", p, got, want)
	}
}

func stem(p string) string {
	return strings.ReplaceAll(strings.TrimSuffix(p, bundle.Extension), "/", "__")
}
