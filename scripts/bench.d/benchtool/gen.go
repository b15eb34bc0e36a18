package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/internal/gen"
)

// genBundle writes one generated bundle into -dir and its jobs, pods and
// events members, byte for byte, into -raw (for the python3 and jq
// comparators, which cannot read zstd). It prints the bundle's path,
// file size and uncompressed size as key=value lines.
func genBundle(args []string) error {
	fs := flag.NewFlagSet("gen-bundle", flag.ContinueOnError)
	pods := fs.Int("pods", 10000, "number of pods")
	dir := fs.String("dir", "", "directory for the bundle")
	raw := fs.String("raw", "", "directory for jobs.json, pods.json and events.json")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" || *raw == "" {
		return fmt.Errorf("-dir and -raw are required")
	}
	for _, d := range []string{*dir, *raw} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return err
		}
	}
	g := gen.Generate(gen.Options{Pods: *pods})
	path, err := g.Write(*dir)
	if err != nil {
		return err
	}
	for _, m := range []struct{ member, file string }{
		{bundle.JobsMember, "jobs.json"}, {bundle.PodsMember, "pods.json"}, {bundle.EventsMember, "events.json"},
	} {
		data := g.Member(m.member)
		if data == nil {
			return fmt.Errorf("generated bundle has no member %s", m.member)
		}
		if err := os.WriteFile(filepath.Join(*raw, m.file), data, 0o644); err != nil {
			return err
		}
	}
	st, err := os.Stat(path)
	if err != nil {
		return err
	}
	fmt.Printf("bundle=%s\nfile_bytes=%d\nuncompressed_bytes=%d\npods_bytes=%d\n", path, st.Size(), g.Size(), len(g.Member(bundle.PodsMember)))
	return nil
}

// genBatch writes n bundles of p pods, captured a minute apart (distinct
// file names in capture order), into -dir.
func genBatch(args []string) error {
	fs := flag.NewFlagSet("gen-batch", flag.ContinueOnError)
	n := fs.Int("n", 20, "number of bundles")
	pods := fs.Int("pods", 1000, "pods per bundle")
	dir := fs.String("dir", "", "directory for the bundles")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *dir == "" {
		return fmt.Errorf("-dir is required")
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		return err
	}
	at := time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC)
	var total int64
	for i := range *n {
		g := gen.Generate(gen.Options{Pods: *pods, CapturedAt: at.Add(time.Duration(i) * time.Minute)})
		if _, err := g.Write(*dir); err != nil {
			return err
		}
		total += g.Size()
	}
	fmt.Printf("bundles=%d\nuncompressed_bytes=%d\n", *n, total)
	return nil
}

// genHistory writes n records shaped like history's benchmark records (three
// jobs, one of them a CronJob's whose name rotates every 12 records) with
// a jsonl store's Append in batches, without fsync, then syncs once.
func genHistory(args []string) error {
	fs := flag.NewFlagSet("gen-history", flag.ContinueOnError)
	n := fs.Int("n", 1_000_000, "number of records")
	out := fs.String("out", "", "history file to create (must not exist)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out is required")
	}
	if _, err := os.Stat(*out); err == nil {
		return fmt.Errorf("%s exists", *out)
	}
	hs, err := jsonl.Open(*out, jsonl.Options{NoSync: true})
	if err != nil {
		return err
	}
	defer hs.Close()
	t0 := time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC)
	const batch = 10000
	recs := make([]history.Record, 0, batch)
	for i := range *n {
		lv := []string{"OK", "OK", "OK", "WARN", "ERROR"}[i%5]
		recs = append(recs, history.NewRecord(history.Input{
			CapturedAt: t0.Add(time.Duration(i) * 5 * time.Minute), Namespace: "trading-bots", Selector: "app=arbitrage-tuning",
			OverallHealth: lv, Bundle: fmt.Sprintf("20251116T100000Z-trading-bots-%08x.tar.zst", i),
			BundleSHA256: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08", Ruleset: "1",
			Jobs: []history.Job{
				{Name: fmt.Sprintf("nightly-%d", 29000000+i/12*60), Phase: "SUCCEEDED", Health: "OK", Owner: "nightly"},
				{Name: "arb-tuning-worker-1", Phase: "RUNNING", Health: "OK"},
				{Name: "arb-tuning-worker-2", Phase: "FAILED", Health: lv, Rules: []string{"J1"}},
			},
		}))
		if len(recs) == batch || i == *n-1 {
			if _, err := hs.Append(context.Background(), recs...); err != nil {
				return err
			}
			recs = recs[:0]
		}
	}
	if err := hs.Sync(); err != nil {
		return err
	}
	st, err := os.Stat(*out)
	if err != nil {
		return err
	}
	fmt.Printf("lines=%d\nbytes=%d\n", *n, st.Size())
	return nil
}
