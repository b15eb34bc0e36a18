package atomicfile

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
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
