package bundle

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

// writeAt writes a bundle captured at ts into dir and returns its name.
func writeAt(t *testing.T, dir, ts string) string {
	t.Helper()
	m := testManifest()
	m.CapturedAt, m.FinishedAt = ts, ts
	p, err := Write(dir, m, testMembers())
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Base(p)
}

func TestListOneRule(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	early := writeAt(t, dir, "2025-11-16T09:59:59.900000000Z")
	late := writeAt(t, dir, "2025-11-16T10:00:00.500000000Z")
	soon := writeAt(t, dir, "2025-11-16T10:00:00.200000000Z") // same second as late, captured before it
	data, err := os.ReadFile(filepath.Join(dir, late))
	if err != nil {
		t.Fatal(err)
	}
	mk := func(name string, b []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	mk("copy.tar.zst", data)               // not canonical: its manifest gives the time
	mk(".hidden.tar.zst", data)            // dot-file: ignored
	mk("notes.txt", []byte("x"))           // not a bundle name: ignored
	mk("junk.tar.zst", []byte("not zstd")) // not canonical, unreadable: listed last
	if err := os.Symlink(late, filepath.Join(dir, "latest.tar.zst")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub.tar.zst"), 0o700); err != nil {
		t.Fatal(err)
	}
	got, err := List(dir)
	if err != nil {
		t.Fatal(err)
	}
	at := func(s string) time.Time {
		tm, err := ParseTime(s)
		if err != nil {
			t.Fatal(err)
		}
		return tm
	}
	ns := testManifest().Namespace
	e := func(name string, tm time.Time, exact bool) Entry {
		return Entry{Path: filepath.Join(dir, name), Name: name, Time: tm, Namespace: ns, exact: exact}
	}
	want := []Entry{
		e(early, time.Date(2025, 11, 16, 9, 59, 59, 0, time.UTC), false), // alone in its second: the name is enough
		e(soon, at("2025-11-16T10:00:00.200000000Z"), true),
		e("copy.tar.zst", at("2025-11-16T10:00:00.500000000Z"), true),
		e(late, at("2025-11-16T10:00:00.500000000Z"), true),
		{Path: filepath.Join(dir, "junk.tar.zst"), Name: "junk.tar.zst"},
	}
	// copy.tar.zst and late share the exact time: then the name decides.
	if late < "copy.tar.zst" {
		want[2], want[3] = want[3], want[2]
	}
	var ce *CorruptError
	if len(got) != len(want) || !errors.As(got[len(got)-1].Err, &ce) || ce.Path != filepath.Join(dir, "junk.tar.zst") || ce.Member != ManifestMember {
		t.Fatalf("List = %+v", got)
	}
	got[len(got)-1].Err = nil
	if !reflect.DeepEqual(got, want) {
		t.Errorf("List =\n%+v\nwant\n%+v", got, want)
	}
	if _, err := List(filepath.Join(dir, "missing")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing directory: %v", err)
	}
}

func TestParseFileNameInvertsFileName(t *testing.T) {
	t.Parallel()
	m := testManifest()
	mb, _, err := Seal(m, testMembers())
	if err != nil {
		t.Fatal(err)
	}
	name := FileName(m, mb)
	got, err := ParseFileName(name)
	want := NameInfo{Time: time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC), Namespace: m.Namespace, Hash: sha256Hex(mb)[:8]}
	if err != nil || got != want {
		t.Errorf("ParseFileName(%q) = %+v, %v; want %+v", name, got, err, want)
	}
}

func TestPeekManifestMatchesOpen(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, writeAt(t, dir, "2025-11-16T10:00:00.000000000Z"))
	b, err := Open(p)
	if err != nil {
		t.Fatal(err)
	}
	m, err := PeekManifest(p)
	if err != nil || !reflect.DeepEqual(m, b.Manifest) {
		t.Errorf("PeekManifest = %+v, %v; want %+v", m, err, b.Manifest)
	}
}
