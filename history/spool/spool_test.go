package spool_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/memstore"
	"github.com/ksnap/ksnap/history/spool"
)

var errDown = errors.New("connect: db.example:5432: connection refused")

func rec(i int) history.Record {
	return history.NewRecord(history.Input{
		CapturedAt: time.Date(2026, 11, 1, 12, i, 0, 0, time.UTC), Namespace: "batch", OverallHealth: "OK",
		Bundle: "b.tar.zst", BundleSHA256: strings.Repeat(string(rune('a'+i)), 64),
	})
}

func scan(t *testing.T, st history.Store) []history.Record {
	t.Helper()
	var out []history.Record
	if _, err := st.Scan(context.Background(), history.Filter{}, func(r *history.Record) error {
		out = append(out, r.Clone())
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// While the primary store is down, records go to the spool; the first
// append after it is back sends them first, in order, and removes the
// spool: nothing lost, nothing doubled.
func TestOutageThenRecovery(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), ".spool", "history.jsonl")
	db := memstore.New("db", nil)
	down := true
	open := func(context.Context) (history.Store, error) {
		if down {
			return nil, errDown
		}
		return db, nil
	}
	outage := func(err error) bool { return errors.Is(err, errDown) }

	for i := range 2 {
		s := &spool.Store{Open: open, Path: path, Outage: outage}
		res, err := s.Append(ctx, rec(i))
		if err != nil {
			t.Fatalf("append %d while down: %v", i, err)
		}
		if res.Spooled != path || !errors.Is(res.SpoolCause, errDown) || res.Lines != 1 {
			t.Fatalf("append %d while down: %+v, want spooled to %s", i, res, path)
		}
	}
	if got := scan(t, db); len(got) != 0 {
		t.Fatalf("the store got %d records while down", len(got))
	}

	down = false
	s := &spool.Store{Open: open, Path: path, Outage: outage}
	res, err := s.Append(ctx, rec(2))
	if err != nil {
		t.Fatal(err)
	}
	if res.Spooled != "" || res.Sent != 2 || res.Lines != 1 {
		t.Fatalf("append after recovery: %+v, want 2 sent from the spool and 1 appended", res)
	}
	got := scan(t, db)
	if len(got) != 3 {
		t.Fatalf("the store holds %d records, want 3", len(got))
	}
	for i, r := range got {
		if want := rec(i); string(history.AppendJSON(nil, &r)) != string(history.AppendJSON(nil, &want)) {
			t.Errorf("record %d = %s, want %s", i, history.AppendJSON(nil, &r), history.AppendJSON(nil, &want))
		}
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("spool still there after it was sent: %v", err)
	}
}

// An error that is not an outage (a refused statement, a missing schema)
// fails the append; nothing is spooled.
func TestRefusalIsAnError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.jsonl")
	refused := errors.New("schema version 0, want 1: run ksnap history migrate")
	s := &spool.Store{
		Open:   func(context.Context) (history.Store, error) { return nil, refused },
		Path:   path,
		Outage: func(err error) bool { return errors.Is(err, errDown) },
	}
	if _, err := s.Append(context.Background(), rec(0)); !errors.Is(err, refused) {
		t.Fatalf("err = %v, want %v", err, refused)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused record was spooled: %v", err)
	}
}
