package bundle

import (
	"archive/tar"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/ksnap/ksnap/internal/regfile"
)

// nameStamp is the capture-time layout of a canonical file name.
const nameStamp = "20060102T150405Z"

// canonicalName matches what FileName produces:
// YYYYMMDDTHHMMSSZ-<namespace>-<8 hex>.tar.zst.
var canonicalName = regexp.MustCompile(`^(\d{8}T\d{6}Z)-(.+)-([0-9a-f]{8})\.tar\.zst$`)

// NameInfo is what a canonical bundle file name says.
type NameInfo struct {
	// Time is the capture time to the second, UTC.
	Time      time.Time
	Namespace string
	// Hash is the first 8 hex digits of the manifest's sha256.
	Hash string
}

// ErrNotCanonical is returned (wrapped) by ParseFileName for a name that
// FileName could not have produced.
var ErrNotCanonical = errors.New("not a canonical bundle file name (want YYYYMMDDTHHMMSSZ-NAMESPACE-XXXXXXXX.tar.zst)")

// ParseFileName parses a file name (without directories) that FileName
// produced. It is FileName's inverse for every valid capture time.
func ParseFileName(name string) (NameInfo, error) {
	m := canonicalName.FindStringSubmatch(name)
	if m == nil {
		return NameInfo{}, fmt.Errorf("%s: %w", name, ErrNotCanonical)
	}
	t, err := time.ParseInLocation(nameStamp, m[1], time.UTC)
	if err != nil {
		return NameInfo{}, fmt.Errorf("%s: bad capture time in the name: %w", name, ErrNotCanonical)
	}
	return NameInfo{Time: t, Namespace: m[2], Hash: m[3]}, nil
}

// Entry is one bundle file found by List.
type Entry struct {
	// Path is the directory given to List joined with Name.
	Path string
	// Name is the file name, without directories.
	Name string
	// Time is the capture time: the manifest's captured_at when List read
	// the manifest, else the canonical name's (to the second).
	Time      time.Time
	Namespace string
	// Err is set when the capture time is unknown: the name is not
	// canonical and the manifest could not be read (a *CorruptError or a
	// read error). The file is still listed, so that every command reports
	// it the same way when it opens it; such entries sort last, by name.
	Err error

	// exact says Time came from the manifest, not from the name.
	exact bool
}

// List is the one rule for "the bundles in a directory", used by every
// command that takes one (analyze DIR, history rebuild --from DIR, bundle
// prune DIR):
//
//   - a bundle is a regular file whose name ends in .tar.zst;
//   - names starting with "." are ignored (the writer's temp files, copies
//     hidden on purpose);
//   - a symlink is judged by what it points at, by the same rule: a link to
//     a regular file is listed, unless that file is itself in the directory
//     (a "latest.tar.zst" link next to its target is not analyzed, rebuilt
//     into history or counted by retention twice); prune removes the link,
//     never its target;
//   - a *.tar.zst name that is (or links to) a FIFO, a device or a socket
//     is listed with Err set, never opened, so that every command refuses
//     it with the same one-line message instead of blocking on it;
//   - directories and other names are ignored; subdirectories are not
//     entered.
//
// Entries are in capture order: capture time, then file name. The time of
// a canonical name (see ParseFileName) is taken from the name, so listing
// costs one directory read and no file read; only when several canonical
// names share a second, and for every name that is not canonical, is the
// manifest (the first member) read with PeekManifest, which decodes only
// the start of the file. The result is the same as reading every
// manifest, provided canonical names were not edited by hand.
func List(dir string) ([]Entry, error) {
	ds, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("read directory %s: %w", dir, err)
	}
	var es []Entry
	var regular []os.FileInfo // the regular files listed, to skip links to them
	var links []os.DirEntry
	for _, d := range ds {
		name := d.Name()
		if strings.HasPrefix(name, ".") || !strings.HasSuffix(name, Extension) || d.IsDir() {
			continue
		}
		path := filepath.Join(dir, name)
		switch t := d.Type(); {
		case t&os.ModeSymlink != 0:
			links = append(links, d)
			continue
		case !t.IsRegular():
			es = append(es, Entry{Path: path, Name: name, Err: notRegular(path, t)})
			continue
		}
		if fi, err := d.Info(); err == nil {
			regular = append(regular, fi)
		}
		es = append(es, entryOf(path, name))
	}
	for _, d := range links {
		path := filepath.Join(dir, d.Name())
		fi, err := os.Stat(path)
		switch {
		case err != nil:
			es = append(es, Entry{Path: path, Name: d.Name(), Err: fmt.Errorf("read %s: %w", path, err)})
		case fi.IsDir():
		case !fi.Mode().IsRegular():
			es = append(es, Entry{Path: path, Name: d.Name(), Err: notRegular(path, fi.Mode())})
		case !sameAsAny(fi, regular):
			es = append(es, entryOf(path, d.Name()))
		}
	}
	sortEntriesExact(es)
	return es, nil
}

// notRegular is the error of a bundle name that is not a regular file.
func notRegular(path string, m os.FileMode) error {
	return &os.PathError{Op: "open", Path: path, Err: fmt.Errorf("%w (%s)", ErrNotRegular, regfile.ModeName(m))}
}

func sameAsAny(fi os.FileInfo, fis []os.FileInfo) bool {
	for _, o := range fis {
		if os.SameFile(fi, o) {
			return true
		}
	}
	return false
}

// entryOf is the entry of a regular bundle file: its capture time from its
// canonical name, else from its manifest.
func entryOf(path, name string) Entry {
	e := Entry{Path: path, Name: name}
	if ni, err := ParseFileName(name); err == nil {
		e.Time, e.Namespace = ni.Time, ni.Namespace
	} else if m, err := PeekManifest(e.Path); err != nil {
		e.Err = err
	} else {
		e.Time, e.Namespace, e.exact = manifestTime(m), m.Namespace, true
	}
	return e
}

// sortEntriesExact sorts by capture time, then name, with entries of
// unknown time last; where several canonical names share a second, it
// orders them by their manifests' exact times.
func sortEntriesExact(es []Entry) {
	sortEntries(es)
	// A canonical name knows its second only: where several bundles share
	// a second, order them by their exact times.
	for i := 0; i < len(es) && es[i].Err == nil; {
		sec := es[i].Time.Truncate(time.Second)
		j := i + 1
		for j < len(es) && es[j].Err == nil && es[j].Time.Truncate(time.Second).Equal(sec) {
			j++
		}
		if j-i > 1 {
			for k := i; k < j; k++ {
				if es[k].exact {
					continue
				}
				if m, err := PeekManifest(es[k].Path); err == nil {
					if t := manifestTime(m); t.Truncate(time.Second).Equal(sec) {
						es[k].Time, es[k].exact = t, true
					}
				}
			}
			sortEntries(es[i:j])
		}
		i = j
	}
}

// manifestTime is m's capture time, or the zero time when it is invalid.
func manifestTime(m *Manifest) time.Time {
	t, err := m.CaptureTime()
	if err != nil {
		return time.Time{}
	}
	return t
}

// sortEntries sorts by capture time, then name; entries with an unknown
// time last, by name.
func sortEntries(es []Entry) {
	sort.SliceStable(es, func(i, j int) bool {
		a, b := es[i], es[j]
		if (a.Err == nil) != (b.Err == nil) {
			return a.Err == nil
		}
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return a.Name < b.Name
	})
}

// PeekManifest reads only the manifest of the bundle at path: it
// stream-decodes the file up to the end of the first tar member, which
// must be manifest.json, and parses it. It checks neither the members nor
// their sha256s (Open does); errors are *CorruptError naming the file and
// the manifest, or a read error.
func PeekManifest(path string) (*Manifest, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	corrupt := func(err error) error {
		return &CorruptError{Path: path, Member: ManifestMember, Err: err}
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("read %s: %w", path, ErrNotRegular)
	}
	dec, err := newDecoder(f)
	if err != nil {
		return nil, corrupt(fmt.Errorf("not a valid zstd stream: %w", err))
	}
	defer dec.Close()
	tr := tar.NewReader(dec)
	hdr, err := tr.Next()
	if err != nil {
		return nil, corrupt(fmt.Errorf("not a valid tar archive: %w", err))
	}
	if hdr.Name != ManifestMember || hdr.Typeflag != tar.TypeReg {
		return nil, corrupt(fmt.Errorf("first member is %q, must be %s", hdr.Name, ManifestMember))
	}
	if hdr.Size < 0 || hdr.Size > MaxManifestSize {
		return nil, corrupt(fmt.Errorf("size %d exceeds the cap of %d bytes", hdr.Size, MaxManifestSize))
	}
	b := make([]byte, hdr.Size)
	if _, err := io.ReadFull(tr, b); err != nil {
		return nil, corrupt(fmt.Errorf("truncated: %w", err))
	}
	m, err := UnmarshalManifest(b)
	if err != nil {
		return nil, corrupt(err)
	}
	return m, nil
}
