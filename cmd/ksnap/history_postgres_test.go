//go:build postgres

package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/e2e/pgtest"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/jsonl"
	"github.com/ksnap/ksnap/history/postgres"
)

// pgRun runs ksnap with KSNAP_HISTORY_URL set to u.
func pgRun(t *testing.T, u string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errb bytes.Buffer
	e := &env{
		stdin: strings.NewReader(""), stdout: &out, stderr: &errb,
		getenv: func(k string) string {
			if k == "KSNAP_HISTORY_URL" {
				return u
			}
			return ""
		},
		now: func() time.Time { return time.Date(2026, 11, 2, 0, 0, 0, 0, time.UTC) },
	}
	code = run(context.Background(), args, e)
	return code, out.String(), errb.String()
}

// TestHistoryOnPostgres: a command before migrate fails with one line naming
// the database; migrate, import, export (byte-identical), show and summary
// give the same answers as the same file as JSONL.
func TestHistoryOnPostgres(t *testing.T) {
	u := pgtest.DB(t)
	name := strings.SplitN(u, "?", 2)[0]
	name = "postgres://" + name[strings.Index(name, "@")+1:]
	code, _, stderr := pgRun(t, u, "history", "show")
	if want := "ksnap: " + name + ": no ksnap history schema; run: ksnap history migrate\n"; code != 3 || stderr != want {
		t.Fatalf("show before migrate: exit %d, stderr %q; want 3, %q", code, stderr, want)
	}
	code, stdout, stderr := pgRun(t, u, "history", "migrate")
	if want := name + ": schema version 0 -> 1\n"; code != 0 || stdout != want {
		t.Fatalf("migrate: exit %d, %q %q", code, stdout, stderr)
	}
	src := filepath.Join("..", "..", "history", "transfer", "testdata", "roundtrip.jsonl")
	in, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr = pgRun(t, u, "history", "import", "--file", src)
	if want := name + ": 6 records read, 6 added, 0 already present, 0 corrupt lines skipped\n"; code != 0 || stdout != want {
		t.Fatalf("import: exit %d, %q %q", code, stdout, stderr)
	}
	out := filepath.Join(t.TempDir(), "out.jsonl")
	if code, _, stderr = pgRun(t, u, "history", "export", "--file", out); code != 0 {
		t.Fatalf("export: exit %d, %s", code, stderr)
	}
	got, err := os.ReadFile(out)
	if err != nil || !bytes.Equal(got, in) {
		t.Fatalf("export differs from the imported file (%v):\n%s", err, got)
	}
	for _, args := range [][]string{
		{"history", "show", "--limit", "4"},
		{"history", "show", "-o", "json", "-n", "batch"},
		{"history", "summary"},
		{"history", "summary", "-o", "json", "--window", "3"},
		{"history", "clusters", "-o", "json"},
	} {
		_, pgOut, pgErr := pgRun(t, u, args...)
		_, fileOut, fileErr := pgRun(t, "", append(args, "--history-file", src)...)
		if pgOut != fileOut || pgErr != fileErr {
			t.Errorf("%v: PostgreSQL and JSONL differ:\n%s%s\n---\n%s%s", args, pgOut, pgErr, fileOut, fileErr)
		}
	}
	code, _, stderr = pgRun(t, "", "history", "show", "--history-url", "postgres://ksnap:hunter2@127.0.0.1:1/x")
	if code != 3 || strings.Contains(stderr, "hunter2") || !strings.Contains(stderr, "a password on the command line") {
		t.Errorf("password in argv: exit %d, %q", code, stderr)
	}
}

// TestRecordSpoolsWhileDatabaseDown: a record the database cannot take (it
// is unreachable) is kept in the bundle dir's spool with a warning, and the
// next run sends it before its own: nothing is lost, nothing doubled.
func TestRecordSpoolsWhileDatabaseDown(t *testing.T) {
	ctx := context.Background()
	u := pgtest.DB(t)
	if code, out, errs := pgRun(t, u, "history", "migrate"); code != 0 {
		t.Fatal(out, errs)
	}
	dir := t.TempDir()
	var errb bytes.Buffer
	e := &env{stderr: &errb, getenv: func(string) string { return "" }}
	recs := []history.Record{spoolRec(1), spoolRec(2)}
	down := "postgres://ksnap@127.0.0.1:1/ksnap?sslmode=disable&connect_timeout=2"
	st := e.recordStore(down, dir, jsonl.Options{})
	res, err := st.Append(ctx, recs[0])
	st.Close()
	if err != nil || res.Spooled != historySpool(dir) {
		t.Fatalf("append while down = %+v, %v", res, err)
	}
	if want := "postgres://127.0.0.1:1/ksnap: cannot connect: connect: connection refused"; res.SpoolCause == nil || res.SpoolCause.Error() != want {
		t.Errorf("spool cause %v, want %q", res.SpoolCause, want)
	}
	st = e.recordStore(u, dir, jsonl.Options{})
	res, err = st.Append(ctx, recs[1])
	st.Close()
	if err != nil || res.Sent != 1 {
		t.Fatalf("append after the outage = %+v, %v; want the spooled record sent first", res, err)
	}
	if _, err := os.Stat(historySpool(dir)); !os.IsNotExist(err) {
		t.Errorf("spool still there after a successful run: %v", err)
	}
	_, out, _ := pgRun(t, u, "history", "export", "--file", "-")
	want := string(history.AppendJSON(nil, &recs[0])) + "\n" + string(history.AppendJSON(nil, &recs[1])) + "\n"
	if out != want {
		t.Errorf("store after the outage:\n%s\nwant\n%s", out, want)
	}
}

func spoolRec(i int) history.Record {
	return history.NewRecord(history.Input{
		CapturedAt: time.Date(2026, 11, 1, 0, i, 0, 0, time.UTC), Namespace: "batch", OverallHealth: "OK",
		Bundle: fmt.Sprintf("b%d.tar.zst", i), BundleSHA256: fmt.Sprintf("%064x", i), Ruleset: "v1", Cluster: "prod-eu",
	})
}

// TestAlertOneAlerterPerDatabase: with the history in PostgreSQL, alert
// needs its ledger named, and only one alert run at a time may send, on
// any machine: a second run while the advisory lock is held is refused
// with one line; once released, it runs.
func TestAlertOneAlerterPerDatabase(t *testing.T) {
	ctx := context.Background()
	u := pgtest.DB(t)
	if code, out, errs := pgRun(t, u, "history", "migrate"); code != 0 {
		t.Fatal(out, errs)
	}
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	hook := write("hook.url", "http://127.0.0.1:1/hook\n")
	noLedger := write("a.yaml", "sinks:\n  - name: hook\n    type: webhook\n    url_file: "+hook+"\n")
	cfg := write("b.yaml", "ledger_file: "+filepath.Join(dir, "ledger.jsonl")+"\nsinks:\n  - name: hook\n    type: webhook\n    url_file: "+hook+"\n")

	code, _, errs := pgRun(t, u, "alert", "--config", noLedger)
	if code != 3 || !strings.Contains(errs, "the history is a database: set ledger_file in the alert config") || strings.Count(errs, "\n") != 1 {
		t.Errorf("no ledger_file: exit %d, stderr %q", code, errs)
	}

	st, err := postgres.Open(ctx, u, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	lk, err := st.TryLock(ctx, "alert")
	if err != nil {
		t.Fatal(err)
	}
	code, _, errs = pgRun(t, u, "alert", "--config", cfg)
	if code != 3 || !strings.Contains(errs, "another ksnap alert is running against this database") || strings.Count(errs, "\n") != 1 {
		t.Errorf("lock held: exit %d, stderr %q", code, errs)
	}
	if err := lk.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if code, out, errs := pgRun(t, u, "alert", "--config", cfg); code != 0 {
		t.Errorf("lock free: exit %d, stdout %q, stderr %q", code, out, errs)
	}
}
