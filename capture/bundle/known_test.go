package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"testing"
)

// setOf is a strict in-memory VerifiedSet that records what was added.
type setOf struct {
	mu    sync.Mutex
	has   map[string]bool
	added []string
}

func (s *setOf) Contains(sha string) bool { s.mu.Lock(); defer s.mu.Unlock(); return s.has[sha] }
func (s *setOf) Add(sha string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.has == nil {
		s.has = map[string]bool{}
	}
	s.has[sha] = true
	s.added = append(s.added, sha)
}

func writeTemp(t *testing.T, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "b.tar.zst")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func fileSHA(data []byte) string { s := sha256.Sum256(data); return hex.EncodeToString(s[:]) }

func TestStartOpenKnownLearnsOnlyVerifiedFiles(t *testing.T) {
	t.Parallel()
	good := encode(t)
	set := &setOf{}
	b, err := StartOpenKnown(writeTemp(t, good), set)
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Wait(); err != nil {
		t.Fatal(err)
	}
	if b.HashesSkipped {
		t.Fatal("first read skipped the hashes of a file the set did not hold")
	}
	if want := fileSHA(good); len(set.added) != 1 || set.added[0] != want {
		t.Fatalf("added %v, want [%s]", set.added, want)
	}

	// A second read of the same bytes skips the member hashes, keeps every
	// member and adds nothing.
	b2, err := StartOpenKnown(writeTemp(t, good), set)
	if err != nil {
		t.Fatal(err)
	}
	if err := b2.Wait(); err != nil {
		t.Fatal(err)
	}
	if !b2.HashesSkipped {
		t.Fatal("second read of a verified file hashed its members again")
	}
	for _, m := range testMembers() {
		got, err := b2.Member(m.Name)
		if err != nil || !bytes.Equal(got, m.Data) {
			t.Fatalf("member %s: %q, %v", m.Name, got, err)
		}
	}
	if len(set.added) != 1 {
		t.Fatalf("added again: %v", set.added)
	}

	// A file whose member does not match its manifest is refused and not
	// learned.
	e := goodEntries(t)
	e[1].data = bytes.Replace(e[1].data, []byte("JobList"), []byte("JobLisT"), 1)
	bad := compress(t, rawTar(t, e, true))
	b3, err := StartOpenKnown(writeTemp(t, bad), set)
	if err != nil {
		t.Fatal(err)
	}
	var ce *CorruptError
	if err := b3.Wait(); !errors.As(err, &ce) || ce.Member != JobsMember {
		t.Fatalf("tampered member: %v", err)
	}
	if set.Contains(fileSHA(bad)) {
		t.Fatal("a bundle that failed verification was learned")
	}
}

// A hit skips only the hashes: the structure, the manifest and the sizes
// are still checked, so a damaged file never passes on the strength of its
// sha256 being in the set.
func TestStartOpenKnownStillChecksStructure(t *testing.T) {
	t.Parallel()
	cases := map[string][]byte{}
	good := encode(t)
	cases["truncated"] = good[:len(good)-20]
	e := goodEntries(t)
	e[2].data = append(e[2].data, ' ')
	cases["wrong size"] = compress(t, rawTar(t, e, true))
	e = goodEntries(t)
	cases["missing member"] = compress(t, rawTar(t, append(e[:3:3], e[4:]...), true))
	for name, data := range cases {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			set := &setOf{}
			set.Add(fileSHA(data)) // a poisoned entry
			b, err := StartOpenKnown(writeTemp(t, data), set)
			if err == nil {
				err = b.Wait()
			}
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("got %v, want a *CorruptError", err)
			}
		})
	}
}
