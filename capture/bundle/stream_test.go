package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// encodeAllReference is the writer before streaming (the whole tar in
// memory, one EncodeAll, padding appended): the streamed Encode must give
// the same bytes, so bundles written before and after are alike.
func encodeAllReference(t *testing.T, m *Manifest, ms []Member) []byte {
	t.Helper()
	manifest, sorted, err := Seal(m, ms)
	if err != nil {
		t.Fatal(err)
	}
	mtime, _ := m.CaptureTime()
	mtime = mtime.Truncate(time.Second)
	var tarBuf bytes.Buffer
	tw := tar.NewWriter(&tarBuf)
	write := func(name string, data []byte) {
		if err := tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: FileMode, ModTime: mtime}); err != nil {
			t.Fatal(err)
		}
		if _, err := tw.Write(data); err != nil {
			t.Fatal(err)
		}
	}
	write(ManifestMember, manifest)
	for _, mb := range sorted {
		write(mb.Name, mb.Data)
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	enc, err := newEncoder()
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	out := enc.EncodeAll(tarBuf.Bytes(), nil)
	var pad bytes.Buffer
	if err := writePadding(&pad, int64(len(out)), int64(tarBuf.Len())); err != nil {
		t.Fatal(err)
	}
	return append(out, pad.Bytes()...)
}

// jsonish is n bytes of kubectl-like text: repetitive, but not trivially.
func jsonish(rng *rand.Rand, n int) []byte {
	var b bytes.Buffer
	for b.Len() < n {
		b.WriteString(`    {"metadata": {"name": "pod-`)
		b.WriteString(strings.Repeat("x", rng.Intn(20)))
		b.WriteString(`", "uid": "`)
		for range 16 {
			b.WriteByte("0123456789abcdef"[rng.Intn(16)])
		}
		b.WriteString("\"}},\n")
	}
	return b.Bytes()[:n]
}

// tarSizeOf is the archive size Encode would compress for m and ms.
func tarSizeOf(t *testing.T, m *Manifest, ms []Member) int64 {
	t.Helper()
	manifest, sorted, err := Seal(m, ms)
	if err != nil {
		t.Fatal(err)
	}
	mtime, _ := m.CaptureTime()
	ts, err := newTarStream(mtime, manifest, sorted)
	if err != nil {
		t.Fatal(err)
	}
	return ts.size
}

// TestStreamedEncodeEqualsEncodeAll: the streamed writer's bytes are
// EncodeAll's, for one block, many blocks, an archive that ends exactly on
// a 128 KiB block boundary (where a streaming encoder would otherwise add
// an empty last block), and one so repetitive that it is padded.
func TestStreamedEncodeEqualsEncodeAll(t *testing.T) {
	t.Parallel()
	rng := rand.New(rand.NewSource(1))
	big := jsonish(rng, 3<<20)
	// Find a pods.json length whose archive is a multiple of the block size.
	aligned := -1
	for n := 1 << 20; n < 1<<20+(256<<10); n += 512 {
		ms := testMembers()
		ms[2].Data = big[:n]
		if tarSizeOf(t, testManifest(), ms)%(128<<10) == 0 {
			aligned = n
			break
		}
	}
	if aligned < 0 {
		t.Fatal("no block-aligned archive size found")
	}
	cases := map[string]func([]Member){
		"small":         func([]Member) {},
		"many blocks":   func(ms []Member) { ms[2].Data = big },
		"block aligned": func(ms []Member) { ms[2].Data = big[:aligned] },
		"padded":        func(ms []Member) { ms[2].Data = make([]byte, 80<<20) },
	}
	for name, edit := range cases {
		ms := testMembers()
		edit(ms)
		if name == "block aligned" && tarSizeOf(t, testManifest(), ms)%(128<<10) != 0 {
			t.Fatal("not aligned")
		}
		want := encodeAllReference(t, testManifest(), ms)
		var got bytes.Buffer
		if _, err := Encode(&got, testManifest(), ms); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !bytes.Equal(got.Bytes(), want) {
			t.Errorf("%s: streamed %d bytes differ from EncodeAll's %d", name, got.Len(), len(want))
		}
		if _, err := Decode("x.tar.zst", got.Bytes()); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// fileBlob is a Blob backed by a file, like capture's spill files.
type fileBlob struct {
	path string
	size int64
	sum  string
}

func newFileBlob(t *testing.T, data []byte) *fileBlob {
	t.Helper()
	p := filepath.Join(t.TempDir(), "blob")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(data)
	return &fileBlob{path: p, size: int64(len(data)), sum: hex.EncodeToString(s[:])}
}

func (b *fileBlob) Size() int64                  { return b.size }
func (b *fileBlob) SHA256() string               { return b.sum }
func (b *fileBlob) Open() (io.ReadCloser, error) { return os.Open(b.path) }

// TestWriteFromBlobs: members streamed from files give the bundle their
// bytes would give, and it verifies.
func TestWriteFromBlobs(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ms := testMembers()
	ms[2].Data = jsonish(rand.New(rand.NewSource(2)), 1<<20)
	want := encodeAllReference(t, testManifest(), ms)
	pods := ms[2].Data
	for i := range ms {
		ms[i].Blob, ms[i].Data = newFileBlob(t, ms[i].Data), []byte("ignored")
	}
	path, err := Write(dir, testManifest(), ms)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if !bytes.Equal(got, want) {
		t.Errorf("bundle from blobs differs from the bundle of the same bytes")
	}
	if _, err := Verify(path); err != nil {
		t.Fatal(err)
	}
	b, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	if d, err := b.Member(PodsMember); err != nil || !bytes.Equal(d, pods) {
		t.Errorf("pods.json: %d bytes, %v", len(d), err)
	}
	// Writing it again is a no-op.
	if p2, err := Write(dir, testManifest(), ms); err != nil || p2 != path {
		t.Errorf("second write: %q, %v", p2, err)
	}
	assertOnly(t, dir, filepath.Base(path))
}

// TestWriteBlobShorterThanItsSize: a blob that ends early fails the write,
// naming the member, and leaves no file.
func TestWriteBlobShorterThanItsSize(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ms := testMembers()
	fb := newFileBlob(t, []byte(`{"items":[]}`))
	fb.size += 1000
	ms[2].Blob = fb
	_, err := Write(dir, testManifest(), ms)
	if err == nil || !errors.Is(err, io.ErrUnexpectedEOF) || !strings.Contains(err.Error(), PodsMember) {
		t.Fatalf("err = %v, want a short read of %s", err, PodsMember)
	}
	assertOnly(t, dir)
}

func assertOnly(t *testing.T, dir string, names ...string) {
	t.Helper()
	ents, _ := os.ReadDir(dir)
	var got []string
	for _, e := range ents {
		got = append(got, e.Name())
	}
	if strings.Join(got, ",") != strings.Join(names, ",") {
		t.Errorf("%s holds %q, want %q", dir, got, names)
	}
}
