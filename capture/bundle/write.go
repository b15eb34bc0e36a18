package bundle

import (
	"archive/tar"
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

// Member is one named blob to store in a bundle.
type Member struct {
	Name string
	Data []byte
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
	for _, mb := range sorted {
		if err := CheckMemberName(mb.Name); err != nil {
			return nil, nil, err
		}
		if mb.Name == ManifestMember {
			return nil, nil, fmt.Errorf("member %q is reserved for the manifest", mb.Name)
		}
		if _, dup := byName[mb.Name]; dup {
			return nil, nil, fmt.Errorf("member %q given twice", mb.Name)
		}
		mi := MemberInfo{Name: mb.Name, Size: int64(len(mb.Data)), SHA256: sha256Hex(mb.Data)}
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
func Encode(w io.Writer, m *Manifest, ms []Member) ([]byte, error) {
	manifest, sorted, err := Seal(m, ms)
	if err != nil {
		return nil, err
	}
	mtime, err := m.CaptureTime()
	if err != nil {
		return nil, fmt.Errorf("manifest: captured_at: %w", err)
	}
	mtime = mtime.Truncate(time.Second)
	// The whole tar is built in memory and compressed with EncodeAll, so the
	// frame header carries the content size and readers allocate once.
	var tarBuf bytes.Buffer
	size := 1024 + len(manifest)
	for _, mb := range sorted {
		size += 1024 + len(mb.Data)
	}
	tarBuf.Grow(size)
	tw := tar.NewWriter(&tarBuf)
	write := func(name string, data []byte) error {
		hdr := &tar.Header{
			Typeflag: tar.TypeReg,
			Name:     name,
			Size:     int64(len(data)),
			Mode:     FileMode,
			ModTime:  mtime,
		}
		if err := tw.WriteHeader(hdr); err != nil {
			return fmt.Errorf("tar header %s: %w", name, err)
		}
		if _, err := tw.Write(data); err != nil {
			return fmt.Errorf("tar member %s: %w", name, err)
		}
		return nil
	}
	if err := write(ManifestMember, manifest); err != nil {
		return nil, err
	}
	for _, mb := range sorted {
		if err := write(mb.Name, mb.Data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, fmt.Errorf("tar: %w", err)
	}
	enc, err := newEncoder()
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	defer enc.Close()
	out := enc.EncodeAll(tarBuf.Bytes(), make([]byte, 0, tarBuf.Len()/4+1024))
	out = padRatio(out, int64(tarBuf.Len()))
	// Never write what a reader would refuse (see limits.go).
	if err := checkEncoded(len(manifest), len(sorted)+1, int64(tarBuf.Len()), int64(len(out))); err != nil {
		return nil, err
	}
	if _, err := w.Write(out); err != nil {
		return nil, fmt.Errorf("write: %w", err)
	}
	return manifest, nil
}

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
func Write(dir string, m *Manifest, ms []Member) (string, error) {
	var buf bytes.Buffer
	manifest, err := Encode(&buf, m, ms)
	if err != nil {
		return "", err
	}
	final := filepath.Join(dir, FileName(m, manifest))
	if err := WriteFileAtomic(final, buf.Bytes()); err != nil {
		return "", err
	}
	return final, nil
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
		var buf bytes.Buffer
		if _, err := Encode(&buf, m, ms); err != nil {
			return "", err
		}
		if err := os.MkdirAll(filepath.Dir(out), 0o700); err != nil {
			return "", fmt.Errorf("create output directory: %w", err)
		}
		if err := WriteFileAtomic(out, buf.Bytes()); err != nil {
			return "", err
		}
		return out, nil
	}
	if err := os.MkdirAll(out, 0o700); err != nil {
		return "", fmt.Errorf("create output directory: %w", err)
	}
	return Write(out, m, ms)
}

// padRatio appends a zstd skippable frame (ignored by every decoder) when
// the archive compressed better than DecodeLimit allows, so that a very
// repetitive capture is still readable: the file then grows to
// (tarSize - BaseAllowance) / MaxRatio bytes. The padding depends only on
// the sizes, so the output stays deterministic.
func padRatio(out []byte, tarSize int64) []byte {
	if tarSize <= DecodeLimit(int64(len(out))) || tarSize > MaxBundleSize {
		return out
	}
	need := (tarSize-BaseAllowance+MaxRatio-1)/MaxRatio - int64(len(out))
	payload := max(need-8, 0)
	// Skippable frame: magic 0x184D2A50, 4-byte little-endian size, payload.
	out = append(out, 0x50, 0x2A, 0x4D, 0x18, byte(payload), byte(payload>>8), byte(payload>>16), byte(payload>>24))
	return append(out, make([]byte, payload)...)
}
