package bundle

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ksnap/ksnap/internal/atomicfile"
)

// Member is one named blob to store in a bundle: its bytes are Data, or,
// when Blob is set, Blob's (Data is then ignored).
type Member struct {
	Name string
	Data []byte
	// Blob holds content kept outside memory (capture's spill files): the
	// writer takes its size and sha256 as given and streams its bytes.
	Blob Blob
}

// Blob is member content whose size and sha256 are known before it is read
// (they were computed as it was written).
type Blob interface {
	Size() int64
	// SHA256 is the lowercase hex sha256 of the content.
	SHA256() string
	// Open returns a reader of exactly Size bytes.
	Open() (io.ReadCloser, error)
}

// Size is the member's length in bytes.
func (mb *Member) Size() int64 {
	if mb.Blob != nil {
		return mb.Blob.Size()
	}
	return int64(len(mb.Data))
}

func (mb *Member) sha256() string {
	if mb.Blob != nil {
		return mb.Blob.SHA256()
	}
	return sha256Hex(mb.Data)
}

func (mb *Member) open() (io.ReadCloser, error) {
	if mb.Blob != nil {
		return mb.Blob.Open()
	}
	return io.NopCloser(bytes.NewReader(mb.Data)), nil
}

// Extension is the file name suffix of every bundle.
const Extension = ".tar.zst"

// FileMode is the permission of a bundle file: pod specs can carry secrets in env.
const FileMode = 0o600

// newEncoder builds the one zstd encoder configuration of format v1. Every
// option is fixed so that the same tar bytes always give the same file.
func newEncoder() (*zstd.Encoder, error) {
	return zstd.NewWriter(nil,
		// SpeedDefault (zstd level 3): ~4-6x on kubectl JSON at several hundred MB/s.
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		// One goroutine: output does not depend on scheduling or GOMAXPROCS.
		zstd.WithEncoderConcurrency(1),
		// EncodeAll writes one frame with its content size in the header.
		zstd.WithSingleSegment(false),
		// Frame checksum on, so readers detect corruption of the payload.
		zstd.WithEncoderCRC(true),
		// An empty archive still gets a frame; never emit a zero-length file.
		zstd.WithZeroFrames(true),
		// 8 MiB window: large enough for repeated pod specs, small enough for any reader.
		zstd.WithWindowSize(8<<20),
	)
}

// memberRank orders members: manifest, jobs, pods, events, version, other
// top-level JSON, logs, then source files; names break ties bytewise.
func memberRank(name string) int {
	switch name {
	case ManifestMember:
		return 0
	case JobsMember:
		return 1
	case PodsMember:
		return 2
	case EventsMember:
		return 3
	case VersionMember:
		return 4
	}
	switch {
	case strings.HasPrefix(name, LogsDir):
		return 6
	case strings.HasPrefix(name, "source/"):
		return 7
	}
	return 5
}

func sortMembers(ms []Member) {
	sort.SliceStable(ms, func(i, j int) bool {
		ri, rj := memberRank(ms[i].Name), memberRank(ms[j].Name)
		if ri != rj {
			return ri < rj
		}
		return ms[i].Name < ms[j].Name
	})
}

func sha256Hex(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

// Seal fills m.Members and each command's Size and SHA256 from the member
// data, sorts the members into archive order, validates the manifest and
// returns the manifest bytes and the sorted members. It does not modify ms.
func Seal(m *Manifest, ms []Member) ([]byte, []Member, error) {
	sorted := append([]Member(nil), ms...)
	sortMembers(sorted)
	byName := make(map[string]MemberInfo, len(sorted))
	m.Members = m.Members[:0]
	for i := range sorted {
		mb := &sorted[i]
		if err := CheckMemberName(mb.Name); err != nil {
			return nil, nil, err
		}
		if mb.Name == ManifestMember {
			return nil, nil, fmt.Errorf("member %q is reserved for the manifest", mb.Name)
		}
		if _, dup := byName[mb.Name]; dup {
			return nil, nil, fmt.Errorf("member %q given twice", mb.Name)
		}
		mi := MemberInfo{Name: mb.Name, Size: mb.Size(), SHA256: mb.sha256()}
		byName[mb.Name] = mi
		m.Members = append(m.Members, mi)
	}
	for i := range m.Commands {
		c := &m.Commands[i]
		if c.Member == "" {
			c.Size, c.SHA256 = 0, ""
			continue
		}
		mi, ok := byName[c.Member]
		if !ok {
			return nil, nil, fmt.Errorf("command %d (%s) names member %q, which was not given", i, c.Kind, c.Member)
		}
		c.Size, c.SHA256 = mi.Size, mi.SHA256
	}
	if m.Format == "" {
		m.Format = Format
	}
	if m.FormatVersion == 0 {
		m.FormatVersion = FormatVersion
	}
	if err := m.Validate(); err != nil {
		return nil, nil, fmt.Errorf("manifest: %w", err)
	}
	mb, err := MarshalManifest(m)
	if err != nil {
		return nil, nil, fmt.Errorf("manifest: %w", err)
	}
	return mb, sorted, nil
}

// Encode writes the bundle for m and ms to w: a tar archive (manifest first,
// members in archive order, mtime = capture time, uid/gid 0, mode 0600)
// compressed with the fixed zstd settings. The same manifest and members
// always give the same bytes. It returns the manifest bytes.
//
// The archive is streamed: members are read (Data, or a Blob's file) as the
// encoder needs them, so memory does not grow with the bundle. When the
// result breaks a reader's limit (file size, decompressed ratio beyond
// MaxBundleSize), w has already received bytes: Write then discards them.
func Encode(w io.Writer, m *Manifest, ms []Member) ([]byte, error) {
	manifest, sorted, err := Seal(m, ms)
	if err != nil {
		return nil, err
	}
	if _, err := encodeSealed(w, m, manifest, sorted); err != nil {
		return nil, err
	}
	return manifest, nil
}

// encodeSealed streams the sealed bundle to w and returns the bytes written.
func encodeSealed(w io.Writer, m *Manifest, manifest []byte, sorted []Member) (int64, error) {
	mtime, err := m.CaptureTime()
	if err != nil {
		return 0, fmt.Errorf("manifest: captured_at: %w", err)
	}
	mtime = mtime.Truncate(time.Second)
	// Limits that do not depend on the compressed size, before any work.
	if err := checkEncoded(len(manifest), len(sorted)+1, 0, 0); err != nil {
		return 0, err
	}
	ts, err := newTarStream(mtime, manifest, sorted)
	if err != nil {
		return 0, err
	}
	defer ts.close()
	enc, err := newEncoder()
	if err != nil {
		return 0, fmt.Errorf("zstd encoder: %w", err)
	}
	defer enc.Close()
	cw := &countingWriter{w: w}
	// The frame header carries the content size, so readers allocate once;
	// ReadFrom sees the end with the last bytes, so the last block is
	// encoded as EncodeAll encodes it and the bytes equal EncodeAll's.
	enc.ResetContentSize(cw, ts.size)
	if _, err := enc.ReadFrom(ts); err != nil {
		if ts.err != nil {
			return cw.n, ts.err
		}
		return cw.n, fmt.Errorf("zstd: %w", err)
	}
	if err := enc.Close(); err != nil {
		return cw.n, fmt.Errorf("zstd: %w", err)
	}
	if err := writePadding(cw, cw.n, ts.size); err != nil {
		return cw.n, err
	}
	// Never write what a reader would refuse (see limits.go).
	if err := checkEncoded(len(manifest), len(sorted)+1, ts.size, cw.n); err != nil {
		return cw.n, err
	}
	return cw.n, nil
}

type countingWriter struct {
	w   io.Writer
	n   int64
	err error
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err != nil {
		c.err = fmt.Errorf("write: %w", err)
		return n, c.err
	}
	return n, nil
}

// tarStream reads the tar archive of a sealed bundle: each header as
// archive/tar formats it, the member's bytes, zero padding to 512 bytes,
// then the two zero blocks of the end. It knows its size in advance and
// returns io.EOF with its last bytes.
type tarStream struct {
	parts []tarPart
	size  int64
	left  int64
	cur   io.ReadCloser // the open member, if any
	err   error         // a member that could not be read (or had the wrong size)
}

type tarPart struct {
	raw []byte  // header bytes or padding; nil for a member
	mb  *Member // the member whose bytes come here
}

var zeroBlocks [1024]byte

func newTarStream(mtime time.Time, manifest []byte, sorted []Member) (*tarStream, error) {
	ts := &tarStream{}
	var hbuf bytes.Buffer
	add := func(name string, size int64, mb *Member) error {
		hbuf.Reset()
		tw := tar.NewWriter(&hbuf)
		hdr := &tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: FileMode, ModTime: mtime}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("tar header %s: %w", name, err)
		}
		ts.parts = append(ts.parts, tarPart{raw: bytes.Clone(hbuf.Bytes())}, tarPart{mb: mb})
		if pad := (512 - size%512) % 512; pad > 0 {
			ts.parts = append(ts.parts, tarPart{raw: zeroBlocks[:pad]})
		}
		ts.size += int64(hbuf.Len()) + size + (512-size%512)%512
		return nil
	}
	man := &Member{Name: ManifestMember, Data: manifest}
	if err := add(ManifestMember, int64(len(manifest)), man); err != nil {
		return nil, err
	}
	for i := range sorted {
		if err := add(sorted[i].Name, sorted[i].Size(), &sorted[i]); err != nil {
			return nil, err
		}
	}
	ts.parts = append(ts.parts, tarPart{raw: zeroBlocks[:]})
	ts.size += int64(len(zeroBlocks))
	ts.left = ts.size
	return ts, nil
}

func (ts *tarStream) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) && len(ts.parts) > 0 {
		part := &ts.parts[0]
		if part.mb == nil {
			k := copy(p[n:], part.raw)
			n += k
			if part.raw = part.raw[k:]; len(part.raw) == 0 {
				ts.parts = ts.parts[1:]
			}
			continue
		}
		if ts.cur == nil {
			rc, err := part.mb.open()
			if err != nil {
				ts.err = fmt.Errorf("member %s: %w", part.mb.Name, err)
				return n, ts.err
			}
			ts.cur = &sizedReader{r: rc, c: rc, left: part.mb.Size(), name: part.mb.Name}
		}
		k, err := ts.cur.Read(p[n:])
		n += k
		if err == io.EOF {
			ts.cur.Close()
			ts.cur = nil
			ts.parts = ts.parts[1:]
			continue
		}
		if err != nil {
			ts.err = err
			return n, err
		}
	}
	ts.left -= int64(n)
	if ts.left == 0 {
		return n, io.EOF
	}
	return n, nil
}

func (ts *tarStream) close() {
	if ts.cur != nil {
		ts.cur.Close()
	}
}

// sizedReader reads exactly left bytes of a member, or fails naming it.
type sizedReader struct {
	r    io.Reader
	c    io.Closer
	left int64
	name string
}

func (s *sizedReader) Read(p []byte) (int, error) {
	if s.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > s.left {
		p = p[:s.left]
	}
	n, err := s.r.Read(p)
	s.left -= int64(n)
	if s.left == 0 {
		return n, io.EOF
	}
	if err == io.EOF || (err == nil && n == 0) {
		return n, fmt.Errorf("member %s: %w: shorter than its size", s.name, io.ErrUnexpectedEOF)
	}
	if err != nil {
		return n, fmt.Errorf("member %s: %w", s.name, err)
	}
	return n, nil
}

func (s *sizedReader) Close() error { return s.c.Close() }

// FileName is the bundle's file name: capture time (sortable, UTC, seconds),
// namespace and the first 8 hex digits of the manifest's sha256, e.g.
// 20251116T100000Z-trading-bots-1a2b3c4d.tar.zst.
func FileName(m *Manifest, manifest []byte) string {
	t, err := m.CaptureTime()
	stamp := "00000000T000000Z"
	if err == nil {
		stamp = t.Format("20060102T150405Z")
	}
	return stamp + "-" + m.Namespace + "-" + sha256Hex(manifest)[:8] + Extension
}

// ErrExists is returned (wrapped) by Write when a different file already has
// the bundle's name. Write never overwrites a file.
var ErrExists = atomicfile.ErrExists

// Write encodes the bundle into dir durably and returns its path: a temp file
// in dir (mode 0600), fsync, link to the final name (never overwriting), fsync
// of dir. Writing the same bundle twice returns the existing path.
//
// The bundle is streamed into the temp file (see Encode), whose name is
// known before a byte is compressed: the manifest, and so its hash, holds
// every member's size and sha256.
func Write(dir string, m *Manifest, ms []Member) (string, error) {
	manifest, sorted, err := Seal(m, ms)
	if err != nil {
		return "", err
	}
	final := filepath.Join(dir, FileName(m, manifest))
	if err := writeStreamed(final, m, manifest, sorted); err != nil {
		return "", err
	}
	return final, nil
}

// writeStreamed encodes a sealed bundle into a temp file next to path and
// links it there (atomicfile.Temp.LinkNew); the temp file is removed on
// every failure.
func writeStreamed(path string, m *Manifest, manifest []byte, sorted []Member) error {
	t, err := atomicfile.CreateTemp(path, FileMode)
	if err != nil {
		return err
	}
	bw := bufio.NewWriterSize(t, 256<<10)
	if _, err := encodeSealed(bw, m, manifest, sorted); err != nil {
		t.Abort()
		return err
	}
	if err := bw.Flush(); err != nil {
		t.Abort()
		return fmt.Errorf("write %s: %w", t.Name(), err)
	}
	return t.LinkNew()
}

// WriteFileAtomic writes data to path durably and without overwriting (see
// internal/atomicfile.WriteNew): if path already holds exactly data it
// succeeds; if it holds anything else it fails with ErrExists.
func WriteFileAtomic(path string, data []byte) error {
	return atomicfile.WriteNew(path, data, FileMode)
}

// checkEncoded applies the reader's limits to an encoded bundle: its
// manifest size, entry count, and decompressed size against the file size.
func checkEncoded(manifest, entries int, tarSize, fileSize int64) error {
	switch {
	case manifest > MaxManifestSize:
		return &LimitError{What: "manifest size", Limit: MaxManifestSize, Got: int64(manifest)}
	case entries > MaxMembers:
		return &LimitError{What: "member count", Limit: MaxMembers, Got: int64(entries)}
	case fileSize > MaxFileSize:
		return &LimitError{What: "file size", Limit: MaxFileSize, Got: fileSize}
	case tarSize > DecodeLimit(fileSize):
		return &LimitError{What: fmt.Sprintf("decompressed size (for a file of %d bytes)", fileSize), Limit: DecodeLimit(fileSize), Got: tarSize}
	}
	return nil
}

// WriteTo writes a bundle to out: a path ending in Extension (its
// directory created; WriteFileAtomic), or a directory (created, 0700; Write
// and the usual name). It returns the path written.
func WriteTo(out string, m *Manifest, ms []Member) (string, error) {
	if strings.HasSuffix(out, Extension) {
		manifest, sorted, err := Seal(m, ms)
		if err != nil {
			return "", err
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return "", fmt.Errorf("create output directory: %w", err)
		}
		if err := writeStreamed(out, m, manifest, sorted); err != nil {
			return "", err
		}
		return out, nil
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return "", fmt.Errorf("create output directory: %w", err)
	}
	return Write(out, m, ms)
}

// writePadding writes a zstd skippable frame (ignored by every decoder)
// when the archive compressed better than DecodeLimit allows, so that a very
// repetitive capture is still readable: the file then grows to
// (tarSize - BaseAllowance) / MaxRatio bytes. The padding depends only on
// the sizes, so the output stays deterministic.
func writePadding(w io.Writer, fileSize, tarSize int64) error {
	if tarSize <= DecodeLimit(fileSize) || tarSize > MaxBundleSize {
		return nil
	}
	need := (tarSize-BaseAllowance+MaxRatio-1)/MaxRatio - fileSize
	payload := max(need-8, 0)
	// Skippable frame: magic 0x184D2A50, 4-byte little-endian size, payload.
	hdr := []byte{0x50, 0x2A, 0x4D, 0x18, byte(payload), byte(payload >> 8), byte(payload >> 16), byte(payload >> 24)}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	for payload > 0 {
		k := min(payload, int64(len(zeroBlocks)))
		if _, err := w.Write(zeroBlocks[:k]); err != nil {
			return err
		}
		payload -= k
	}
	return nil
}
