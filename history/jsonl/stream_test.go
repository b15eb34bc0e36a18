package jsonl

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/memstore"
)

var errCorruptLine = errors.New("corrupt")

// bigHistory writes n records 5 minutes apart, each moved by up to ±jitter
// (so the file is in time order only up to 2×jitter), a corrupt line every
// 997 lines and a torn last line, to a file and to a memstore, which is the
// reference. The file spans many of Scan's 256 KiB blocks.
func bigHistory(t *testing.T, n int, jitter time.Duration) (string, *memstore.Store) {
	t.Helper()
	ms := memstore.New("mem", nil)
	var b strings.Builder
	for i := range n {
		if i%997 == 13 {
			b.WriteString("{not json\n")
			ms.AppendCorrupt(errCorruptLine)
		}
		d := time.Duration((i*7919)%21-10) * jitter / 10
		health := []string{"OK", "WARN", "ERROR"}[i%3]
		r := sampleRecord(t0.Add(time.Duration(i)*5*time.Minute+d), health,
			history.Job{Name: fmt.Sprintf("nightly-%d", i/12), Owner: "nightly", Phase: "Failed", Health: health})
		line := lineOf(r)
		b.WriteString(line)
		// The reference holds what the file reads back as.
		back, err := history.ParseLine([]byte(strings.TrimSuffix(line, "\n")))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := ms.Append(context.Background(), back); err != nil {
			t.Fatal(err)
		}
	}
	b.WriteString(`{"torn`)
	ms.AppendCorrupt(errCorruptLine)
	path := filepath.Join(t.TempDir(), "h.jsonl")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path, ms
}

func scanAll(t *testing.T, st history.Store, f history.Filter) ([]history.Record, int) {
	t.Helper()
	var out []history.Record
	c, err := st.Scan(context.Background(), f, func(r *history.Record) error {
		out = append(out, r.Clone())
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, c.Count
}

// TestPruneStreamsLikeMemstore: the streaming prune of a file of many
// blocks keeps exactly what the reference store keeps, with the same counts.
func TestPruneStreamsLikeMemstore(t *testing.T) {
	t.Parallel()
	const n = 6000
	now := t0.Add(n * 5 * time.Minute)
	for _, p := range []history.PrunePolicy{
		{KeepLast: 1234},
		{KeepLast: n + 10},
		{OlderThan: 100 * time.Hour, Now: now},
		{KeepLast: 4000, OlderThan: 200 * time.Hour, Now: now},
		{KeepLast: 1},
	} {
		t.Run(fmt.Sprintf("%d/%s", p.KeepLast, p.OlderThan), func(t *testing.T) {
			t.Parallel()
			path, ms := bigHistory(t, n, 0)
			st := open(t, path, Options{})
			got, err := st.Prune(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			want, err := ms.Prune(context.Background(), p)
			if err != nil {
				t.Fatal(err)
			}
			if got.Corrupt.Count != want.Corrupt.Count {
				t.Errorf("corrupt %d, want %d", got.Corrupt.Count, want.Corrupt.Count)
			}
			// Sizes count different encodings; the rest must match.
			got.BytesBefore, got.BytesAfter, got.Corrupt = 0, 0, history.Corrupt{}
			want.BytesBefore, want.BytesAfter, want.Corrupt = 0, 0, history.Corrupt{}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("result %+v, want %+v", got, want)
			}
			gotRecs, gotBad := scanAll(t, st, history.Filter{})
			wantRecs, wantBad := scanAll(t, ms, history.Filter{})
			if gotBad != wantBad || !reflect.DeepEqual(gotRecs, wantRecs) {
				t.Errorf("after prune: %d records, %d corrupt; want %d, %d", len(gotRecs), gotBad, len(wantRecs), wantBad)
			}
		})
	}
}

// TestTimeSeek: Since and Until read only part of the file, and give the
// reference's records when the file is in order up to the reorder window.
func TestTimeSeek(t *testing.T) {
	t.Parallel()
	const n = 6000
	path, ms := bigHistory(t, n, 30*time.Minute)
	st := open(t, path, Options{})
	at := func(i int) time.Time { return t0.Add(time.Duration(i) * 5 * time.Minute) }
	for _, f := range []history.Filter{
		{Since: at(n - 60)},
		{Since: at(n + 100)},
		{Since: at(-100)},
		{Until: at(50)},
		{Until: at(-100)},
		{Since: at(2000), Until: at(2100)},
		{Since: at(3000), Until: at(3000)},
		{Since: at(10), Namespace: "trading-bots"},
	} {
		name := fmt.Sprintf("since %s until %s", f.Since.Format(time.RFC3339), f.Until.Format(time.RFC3339))
		got, _ := scanAll(t, st, f)
		want, _ := scanAll(t, ms, f)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: Scan gives %d records, want %d", name, len(got), len(want))
		}
		for _, k := range []int{1, 50, 5000} {
			gl, err := st.Tail(context.Background(), k, f)
			if err != nil {
				t.Fatal(err)
			}
			wl, err := ms.Tail(context.Background(), k, f)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(gl.Records, wl.Records) {
				t.Errorf("%s: Tail(%d) gives %d records, want %d", name, k, len(gl.Records), len(wl.Records))
			}
		}
	}
}

// TestTimeSeekWindow documents the limit: a record further out of time
// order than the reorder window, before the seek point, is missed; with a
// negative window the whole file is read and it is found.
func TestTimeSeekWindow(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	late := sampleRecord(t0.Add(10000*5*time.Minute), "ERROR") // written early, 35 days ahead
	b.WriteString(lineOf(late))
	for i := range 5000 {
		b.WriteString(lineOf(recAt(i, "OK")))
	}
	path := writeFile(t, b.String())
	f := history.Filter{Since: t0.Add(9000 * 5 * time.Minute)}
	got, _ := scanAll(t, open(t, path, Options{}), f)
	if len(got) != 0 {
		t.Errorf("default window: %d records, want the late one missed", len(got))
	}
	got, _ = scanAll(t, open(t, path, Options{ReorderWindow: -1}), f)
	if len(got) != 1 || !got[0].Time.Equal(late.Time) {
		t.Errorf("no window: %d records, want the late one", len(got))
	}
}

// TestSeekCorruptLineHasOffset: a corrupt line met after a seek is reported
// by its byte offset (its line number is not known).
func TestSeekCorruptLineHasOffset(t *testing.T) {
	t.Parallel()
	var b strings.Builder
	for i := range 3000 {
		b.WriteString(lineOf(recAt(i, "OK")))
	}
	off := b.Len()
	b.WriteString("{bad\n")
	b.WriteString(lineOf(recAt(3000, "OK")))
	path := writeFile(t, b.String())
	c, err := open(t, path, Options{}).Scan(context.Background(), history.Filter{Since: tAt(2990)}, func(*history.Record) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	if c.Count != 1 || c.Lines[0].Offset != int64(off) || c.Lines[0].Line != 0 {
		t.Fatalf("corrupt %+v", c)
	}
	if want := fmt.Sprintf("%s: line at byte %d: ", path, off); !strings.HasPrefix(c.Lines[0].Error(), want) {
		t.Errorf("message %q, want prefix %q", c.Lines[0].Error(), want)
	}
}

// TestPruneCopiesOverlongLines: a corrupt line longer than MaxLineSize
// after the first kept record is kept byte for byte, streamed from the
// file (it is never held in a block).
func TestPruneCopiesOverlongLines(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", history.MaxLineSize+100)
	content := lineOf(recAt(0, "OK")) + lineOf(recAt(1, "OK")) + long + "\n" + lineOf(recAt(2, "OK"))
	path := writeFile(t, content)
	res, err := pruneFile(t, path, history.PrunePolicy{KeepLast: 2})
	if err != nil {
		t.Fatal(err)
	}
	want := lineOf(recAt(1, "OK")) + long + "\n" + lineOf(recAt(2, "OK"))
	got, _ := os.ReadFile(path)
	if string(got) != want {
		t.Errorf("file: %d bytes, want %d", len(got), len(want))
	}
	if res.Kept != 2 || res.Removed != 1 || res.CorruptKept != 1 || res.BytesAfter != int64(len(want)) ||
		res.Corrupt.Count != 1 || !errors.Is(res.Corrupt.Lines[0].Err, history.ErrLineTooLong) || res.Corrupt.Lines[0].Line != 3 {
		t.Errorf("result %+v", res)
	}
}
