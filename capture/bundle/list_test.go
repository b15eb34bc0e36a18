package bundle

import (
	"bytes"
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

// FuzzPeekManifest: any bytes give a manifest or one *CorruptError naming
// the file and the manifest, never a panic; a good bundle's manifest is
// the one Decode reads.
func FuzzPeekManifest(f *testing.F) {
	var buf bytes.Buffer
	if _, err := Encode(&buf, testManifest(), testMembers()); err != nil {
		f.Fatal(err)
	}
	good := buf.Bytes()
	f.Add(good)
	f.Add(good[:len(good)/2])
	f.Add([]byte("not zstd"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "f.tar.zst")
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		m, err := PeekManifest(p)
		var ce *CorruptError
		switch {
		case err != nil && (!errors.As(err, &ce) || ce.Path != p || ce.Member != ManifestMember):
			t.Fatalf("error %v is not a *CorruptError naming %s and the manifest", err, p)
		case err == nil && m == nil:
			t.Fatal("no manifest and no error")
		}
		if b, derr := Decode(p, data); derr == nil && !reflect.DeepEqual(b.Manifest, m) {
			t.Fatalf("PeekManifest = %+v, Decode read %+v", m, b.Manifest)
		}
	})
}

// FuzzParseFileName: a name it accepts is one FileName could produce
// (the same stamp, namespace and hash give the same name back).
func FuzzParseFileName(f *testing.F) {
	f.Add("20251116T100000Z-trading-bots-1a2b3c4d.tar.zst")
	f.Add("20251316T100000Z-ns-00000001.tar.zst")
	f.Add(".20251110T100000Z-ns-00000001.tar.zst.tmp-1")
	f.Fuzz(func(t *testing.T, name string) {
		ni, err := ParseFileName(name)
		if err != nil {
			if !errors.Is(err, ErrNotCanonical) {
				t.Fatalf("error %v is not ErrNotCanonical", err)
			}
			return
		}
		if back := ni.Time.Format(nameStamp) + "-" + ni.Namespace + "-" + ni.Hash + Extension; back != name {
			t.Fatalf("ParseFileName(%q) = %+v, which formats back as %q", name, ni, back)
		}
	})
}
