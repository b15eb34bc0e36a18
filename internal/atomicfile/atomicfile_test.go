package atomicfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestWriteNewNeverOverwrites(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "b.tar.zst")
	if err := WriteNew(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteNew(p, []byte("one"), 0o600); err != nil {
		t.Fatalf("same bytes again: %v", err)
	}
	if err := WriteNew(p, []byte("two"), 0o600); !errors.Is(err, ErrExists) {
		t.Fatalf("different bytes: err = %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Errorf("content %q", b)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %o", st.Mode().Perm())
	}
	assertOnlyFile(t, dir, "b.tar.zst")
}

func TestReplace(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "h.jsonl")
	for _, s := range []string{"first\n", "second\n"} {
		if err := Replace(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		if b, _ := os.ReadFile(p); string(b) != s {
			t.Errorf("content %q, want %q", b, s)
		}
	}
	assertOnlyFile(t, dir, "h.jsonl")
}

func TestWriteIntoMissingDir(t *testing.T) {
	t.Parallel()
	err := WriteNew(filepath.Join(t.TempDir(), "no", "x"), []byte("x"), 0o600)
	if err == nil {
		t.Fatal("want an error")
	}
}

// No temp file is left behind, whatever happened.
func assertOnlyFile(t *testing.T, dir, name string) {
	t.Helper()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(es) != 1 || es[0].Name() != name {
		var names []string
		for _, e := range es {
			names = append(names, e.Name())
		}
		t.Errorf("dir holds %q, want only %s", names, name)
	}
}

// Interrupted captures and prunes (kill -9) left temp files of up to
// 150 MB that nothing removed; the next run in the directory removes those
// whose writer is gone.
func TestCleanStale(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	now := time.Now()
	dead := 1 << 30 // above any pid_max: no such process
	files := []struct {
		name string
		age  time.Duration
		gone bool
	}{
		{fmt.Sprintf(".b.tar.zst.tmp-%d-0a1b2c", dead), 2 * time.Minute, true},       // dead writer
		{fmt.Sprintf(".c.tar.zst.tmp-%d-0a1b2c", dead), 10 * time.Second, false},     // dead here, maybe alive in another PID namespace
		{fmt.Sprintf(".d.tar.zst.tmp-%d-0a1b2c", os.Getpid()), 2 * time.Hour, false}, // this process
		{".e.jsonl.tmp-1-0a1b2c", 10 * time.Minute, false},                           // PID 1 runs
		{".f.jsonl.tmp-1-0a1b2c", 2 * time.Hour, true},                               // ... but no write takes an hour
		{".g.tar.zst.tmp-0a1b2c3d4e5f", 2 * time.Hour, true},                         // before PIDs were recorded
		{".h.tar.zst.tmp-0a1b2c3d4e5f", 10 * time.Minute, false},
		{"i.tar.zst", 2 * time.Hour, false}, // not a temp file
	}
	for _, f := range files {
		p := filepath.Join(dir, f.name)
		if err := os.WriteFile(p, []byte("12345"), 0o600); err != nil {
			t.Fatal(err)
		}
		mt := now.Add(-f.age)
		os.Chtimes(p, mt, mt)
	}
	got, err := CleanStale(dir, now)
	if err != nil {
		t.Fatal(err)
	}
	want := []Stale{
		{Path: filepath.Join(dir, fmt.Sprintf(".b.tar.zst.tmp-%d-0a1b2c", dead)), Size: 5, PID: dead},
		{Path: filepath.Join(dir, ".f.jsonl.tmp-1-0a1b2c"), Size: 5, PID: 1},
		{Path: filepath.Join(dir, ".g.tar.zst.tmp-0a1b2c3d4e5f"), Size: 5},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("removed %+v\nwant    %+v", got, want)
	}
	for _, f := range files {
		_, err := os.Stat(filepath.Join(dir, f.name))
		if gone := errors.Is(err, os.ErrNotExist); gone != f.gone {
			t.Errorf("%s: removed %v, want %v", f.name, gone, f.gone)
		}
	}
	if got, err := CleanStale(filepath.Join(dir, "absent"), now); got != nil || err != nil {
		t.Errorf("absent dir: %v, %v", got, err)
	}
}

func TestTempNameCarriesPID(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "x")
	tmp, err := writeTemp(p, []byte("x"), 0o600)
	if err != nil {
		t.Fatal(err)
	}
	if want := fmt.Sprintf(".x.tmp-%d-", os.Getpid()); !strings.HasPrefix(filepath.Base(tmp), want) {
		t.Errorf("temp name %s, want prefix %s", filepath.Base(tmp), want)
	}
}

func TestTempLinkNew(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "b.tar.zst")
	write := func(data string) error {
		tmp, err := CreateTemp(p, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tmp.Write([]byte(data)); err != nil {
			t.Fatal(err)
		}
		return tmp.LinkNew()
	}
	if err := write("one"); err != nil {
		t.Fatal(err)
	}
	if err := write("one"); err != nil {
		t.Fatalf("same bytes again: %v", err)
	}
	for _, other := range []string{"two", "on", "one!"} {
		if err := write(other); !errors.Is(err, ErrExists) {
			t.Fatalf("%q over \"one\": err = %v, want ErrExists", other, err)
		}
	}
	if b, _ := os.ReadFile(p); string(b) != "one" {
		t.Errorf("content %q", b)
	}
	assertOnlyFile(t, dir, "b.tar.zst")
}
