//go:build s3

package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/capture/bundle/s3store"
	"github.com/ksnap/ksnap/e2e/s3test"
)

// TestAnalyzeFromS3: bundles uploaded to S3 are analyzed, verified and
// rebuilt from s3://bucket/prefix with the same verdicts and bytes as from
// the directory they came from.
func TestAnalyzeFromS3(t *testing.T) {
	srv := s3test.Start(t)
	ctx := context.Background()
	src := filepath.Join("..", "..", "fixtures", "realdata")
	names, err := filepath.Glob(filepath.Join(src, "*.tar.zst"))
	if err != nil || len(names) == 0 {
		t.Fatal(names, err)
	}
	dir := t.TempDir()
	loc, _ := s3store.ParseURL("s3://" + srv.Bucket + "/cmdtest/")
	st, err := s3store.Open(loc, s3store.Options{Endpoint: srv.Endpoint})
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range names {
		data, _ := os.ReadFile(p)
		local := filepath.Join(dir, filepath.Base(p))
		os.WriteFile(local, data, 0o644)
		cluster := []string{"prod-eu", "prod-us"}[i%2]
		if _, err := st.Upload(ctx, local, cluster, time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			t.Fatal(err)
		}
	}
	cache := t.TempDir()
	runIn := func(args ...string) (int, string, string) {
		var out, errb bytes.Buffer
		e := &env{
			stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
			getenv: func(k string) string {
				switch k {
				case "AWS_ENDPOINT_URL_S3":
					return srv.Endpoint
				case "KSNAP_CACHE_DIR":
					return cache
				}
				return os.Getenv(k)
			},
			now: time.Now,
		}
		code := run(ctx, args, e)
		return code, out.String(), errb.String()
	}
	url := "s3://" + srv.Bucket + "/cmdtest"
	mirror := filepath.Join(cache, "s3", srv.Bucket, "cmdtest")
	for _, args := range [][]string{
		{"analyze", "-o", "json"},
		{"analyze"},
		{"bundle", "verify"},
	} {
		dc, dout, derr := runIn(append(args, dir)...)
		if args[0] == "bundle" {
			dc, dout, derr = runIn(append(args, names...)...)
			dout = strings.ReplaceAll(dout, src+"/", "")
		}
		sc, sout, serr := runIn(append(args, url)...)
		sout = strings.ReplaceAll(sout, mirror+"/", "")
		dout = strings.ReplaceAll(dout, dir+"/", "")
		if dout == "" {
			t.Errorf("%v: no output", args)
		}
		if dc != sc || dout != sout || derr != strings.ReplaceAll(serr, mirror, dir) {
			t.Errorf("%v: disk (exit %d) and S3 (exit %d) differ:\n%s%s\n---\n%s%s", args, dc, sc, dout, derr, sout, serr)
		}
	}
	a, b := filepath.Join(t.TempDir(), "a.jsonl"), filepath.Join(t.TempDir(), "b.jsonl")
	runIn("history", "rebuild", "--bundle-dir", dir, "--history-file", a)
	runIn("history", "rebuild", "--bundle-dir", url, "--history-file", b)
	ab, _ := os.ReadFile(a)
	bb, _ := os.ReadFile(b)
	if len(ab) == 0 || !bytes.Equal(ab, bb) {
		t.Errorf("history rebuild from S3 differs from disk (%d vs %d bytes)", len(ab), len(bb))
	}
}

// BenchmarkAnalyzeS3: analyze -o json over the fixture bundles from disk,
// and from s3:// with an empty cache (every bundle downloaded and
// sha256-checked, then analyzed) and a warm one (listing only).
func BenchmarkAnalyzeS3(b *testing.B) {
	srv := s3test.Start(b)
	ctx := context.Background()
	names, err := filepath.Glob(filepath.Join("..", "..", "fixtures", "realdata", "*.tar.zst"))
	if err != nil || len(names) == 0 {
		b.Fatal(names, err)
	}
	dir := b.TempDir()
	loc, _ := s3store.ParseURL("s3://" + srv.Bucket + "/bench/")
	st, err := s3store.Open(loc, s3store.Options{Endpoint: srv.Endpoint})
	if err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, p := range names {
		data, _ := os.ReadFile(p)
		size += int64(len(data))
		local := filepath.Join(dir, filepath.Base(p))
		os.WriteFile(local, data, 0o644)
		if _, err := st.Upload(ctx, local, "bench", time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)); err != nil {
			b.Fatal(err)
		}
	}
	analyzeOnce := func(b *testing.B, cache, arg string) {
		e := &env{
			stdin: strings.NewReader(""), stdout: io.Discard, stderr: io.Discard,
			getenv: func(k string) string {
				switch k {
				case "AWS_ENDPOINT_URL_S3":
					return srv.Endpoint
				case "KSNAP_CACHE_DIR":
					return cache
				}
				return os.Getenv(k)
			},
			now: time.Now,
		}
		if code := run(ctx, []string{"analyze", "-o", "json", arg}, e); code == exitUnknown {
			b.Fatalf("analyze %s: exit %d", arg, code)
		}
	}
	url := "s3://" + srv.Bucket + "/bench"
	b.Run("disk", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			analyzeOnce(b, b.TempDir(), dir)
		}
		b.ReportMetric(float64(len(names)*b.N)/b.Elapsed().Seconds(), "bundles/s")
	})
	b.Run("s3-cold", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			analyzeOnce(b, b.TempDir(), url)
		}
		b.ReportMetric(float64(len(names)*b.N)/b.Elapsed().Seconds(), "bundles/s")
	})
	b.Run("s3-warm", func(b *testing.B) {
		cache := b.TempDir()
		analyzeOnce(b, cache, url)
		b.SetBytes(size)
		for b.Loop() {
			analyzeOnce(b, cache, url)
		}
		b.ReportMetric(float64(len(names)*b.N)/b.Elapsed().Seconds(), "bundles/s")
	})
}
