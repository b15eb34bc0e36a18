package verifycache

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sha(i int) string { return fmt.Sprintf("%064x", i) }

func TestAddContains(t *testing.T) {
	t.Parallel()
	d, err := Open(filepath.Join(t.TempDir(), "ksnap"))
	if err != nil {
		t.Fatal(err)
	}
	a, b := sha(1), sha(2)
	if d.Contains(a) {
		t.Fatal("empty cache contains an entry")
	}
	d.Add(a)
	d.Add(a) // twice is once
	if !d.Contains(a) || d.Contains(b) {
		t.Fatalf("Contains(a)=%v Contains(b)=%v after Add(a)", d.Contains(a), d.Contains(b))
	}
	// Another process (a second Open) sees it.
	d2, err := Open(filepath.Dir(d.root))
	if err != nil || !d2.Contains(a) {
		t.Fatalf("second Open: %v, contains %v", err, d2 != nil && d2.Contains(a))
	}
	fi, err := os.Stat(d.path(a))
	if err != nil || fi.Size() != 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("entry: %v %v", fi, err)
	}
}

func TestRejectsWhatIsNotASha256(t *testing.T) {
	t.Parallel()
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"", "../../etc/passwd", strings.Repeat("A", 64), strings.Repeat("0", 63), strings.Repeat("0", 64) + "/", strings.Repeat("g", 64)} {
		if err := d.add(s); err == nil {
			t.Errorf("add(%q) accepted", s)
		}
		if d.Contains(s) {
			t.Errorf("Contains(%q)", s)
		}
	}
	ents, _ := os.ReadDir(d.root)
	if len(ents) != 0 {
		t.Fatalf("bad names wrote %v", ents)
	}
}

func TestOpenRefusesAnUntrustedRoot(t *testing.T) {
	t.Parallel()
	base := t.TempDir()
	open := filepath.Join(base, "open")
	if err := os.Mkdir(open, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	real := filepath.Join(base, "real")
	if _, err := Open(real); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(base, "link")
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(base, "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	gen := filepath.Join(base, "gen")
	if err := os.MkdirAll(filepath.Join(gen, Generation), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Join(gen, Generation), 0o757); err != nil {
		t.Fatal(err)
	}
	for name, p := range map[string]string{"world-writable": open, "symlink": link, "file": file, "writable generation dir": gen, "empty": ""} {
		if _, err := Open(p); err == nil {
			t.Errorf("%s: Open(%q) accepted", name, p)
		}
	}
}

func TestShardIsTrimmedByLeastRecentUse(t *testing.T) {
	t.Parallel()
	d, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	d.now = func() time.Time { return clock }
	// All in shard "00": the name's first two hex digits are 00.
	name := func(i int) string { return fmt.Sprintf("00%062x", i) }
	for i := 0; i < MaxPerShard; i++ {
		d.Add(name(i))
		clock = clock.Add(time.Second)
		if err := os.Chtimes(d.path(name(i)), clock, clock); err != nil {
			t.Fatal(err)
		}
	}
	clock = clock.Add(time.Hour)
	if !d.Contains(name(0)) { // used now: the most recent
		t.Fatal("entry 0 missing before the shard is full")
	}
	d.Add(name(MaxPerShard)) // one too many
	ents, err := os.ReadDir(filepath.Join(d.root, "00"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) > MaxPerShard || len(ents) < MaxPerShard/2 {
		t.Fatalf("shard holds %d entries after the trim", len(ents))
	}
	if !d.Contains(name(0)) || !d.Contains(name(MaxPerShard)) {
		t.Fatal("the trim removed the entry just used or just added")
	}
	if d.Contains(name(1)) {
		t.Fatal("the least recently used entry survived the trim")
	}
}
