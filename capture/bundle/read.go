package bundle

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/klauspost/compress/zstd"
)

// Size caps applied when reading. A bundle from an air-gapped site is
// untrusted input: these bound what a corrupt or hostile file can claim.
const (
	// MaxBundleSize caps the uncompressed size of a whole bundle (8 GiB).
	MaxBundleSize = 8 << 30
	// MaxMemberSize caps one member (4 GiB).
	MaxMemberSize = 4 << 30
	// MaxManifestSize caps manifest.json (64 MiB).
	MaxManifestSize = 64 << 20
)

// ErrNoMember is returned (wrapped) by Member for a name the bundle lacks.
var ErrNoMember = errors.New("no such member")

// CorruptError says a bundle file cannot be trusted: which file, which member
// (empty for the file as a whole) and what is wrong.
type CorruptError struct {
	Path   string
	Member string
	Err    error
}

func (e *CorruptError) Error() string {
	if e.Member == "" {
		return fmt.Sprintf("%s: %v", e.Path, e.Err)
	}
	return fmt.Sprintf("%s: member %s: %v", e.Path, e.Member, e.Err)
}

func (e *CorruptError) Unwrap() error { return e.Err }

// Bundle is an opened, fully verified bundle held in memory.
type Bundle struct {
	// Path is the file it was read from (as given).
	Path string
	// SHA256 is the hex sha256 of the whole bundle file.
	SHA256 string
	// Size is the size of the bundle file in bytes.
	Size int64
	// Manifest is the decoded manifest; ManifestBytes its exact bytes.
	Manifest      *Manifest
	ManifestBytes []byte

	names   []string
	members map[string][]byte

	// verified is closed when the member checks of StartDecode are done;
	// verifyErr is their result.
	verified  chan struct{}
	verifyErr error
}

// Name returns the bundle's file name without directories.
func (b *Bundle) Name() string { return filepath.Base(b.Path) }

// Names returns the member names after the manifest, in archive order.
func (b *Bundle) Names() []string { return append([]string(nil), b.names...) }

// Member returns a member's bytes. The slice aliases the bundle's buffer and
// must not be modified.
func (b *Bundle) Member(name string) ([]byte, error) {
	if name == ManifestMember {
		return b.ManifestBytes, nil
	}
	d, ok := b.members[name]
	if !ok {
		return nil, fmt.Errorf("%s: member %s: %w", b.Path, name, ErrNoMember)
	}
	return d, nil
}

// Has reports whether the bundle holds the member.
func (b *Bundle) Has(name string) bool {
	_, ok := b.members[name]
	return ok || name == ManifestMember
}

// MaxRatio bounds the decompressed size of a bundle relative to its file
// size: a frame header may claim any content size, and a 500-byte corrupt
// file must not make the reader allocate gigabytes. kubectl JSON compresses
// 5-50x; 4096x leaves room for very repetitive logs.
const MaxRatio = 4096

// decodeLimit is the most a bundle file of n bytes may decompress to.
func decodeLimit(n int) uint64 {
	l := uint64(64<<20) + uint64(n)*MaxRatio
	if l > MaxBundleSize {
		l = MaxBundleSize
	}
	return l
}

// newDecoder builds the one decoder of a bundle read; every option is fixed.
func newDecoder(limit uint64) (*zstd.Decoder, error) {
	return zstd.NewReader(nil,
		// One goroutine per decode: batch analysis parallelises across bundles.
		zstd.WithDecoderConcurrency(1),
		// Cap what the frames may claim or produce: refused, never allocated.
		zstd.WithDecoderMaxMemory(limit),
		// Format v1 writes 8 MiB windows; allow up to 128 MiB for tools that recompress.
		zstd.WithDecoderMaxWindow(128<<20),
	)
}

// Open reads and verifies the bundle at path.
func Open(path string) (*Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return Decode(path, data)
}

// StartOpen reads the bundle at path and starts its verification (see
// StartDecode).
func StartOpen(path string) (*Bundle, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return StartDecode(path, data)
}

// Decode verifies a bundle's bytes: zstd frames and checksums, tar structure,
// regular-file members with allowed names and capped sizes, the manifest
// first and valid, no member twice, every member listed in the manifest with
// the right size and sha256, and nothing listed missing. path names the
// bundle in errors. Members alias data's decompressed copy. The members'
// sha256s are computed in parallel (at most GOMAXPROCS at a time).
func Decode(path string, data []byte) (*Bundle, error) {
	b, err := StartDecode(path, data)
	if err != nil {
		return nil, err
	}
	if err := b.Wait(); err != nil {
		return nil, err
	}
	return b, nil
}

// StartDecode is Decode that returns once the archive's structure is
// checked (zstd, tar, names, types, sizes, the manifest), while the checks
// of the members against the manifest (presence, size, sha256) run in the
// background. Members can be read at once, so a caller can work on them
// while they are hashed; but nothing derived from them may be shown or
// kept before Wait returns nil: until then the bundle is unverified
// input. Wait gives the same error Decode would.
func StartDecode(path string, data []byte) (*Bundle, error) {
	corrupt := func(member string, err error) error {
		return &CorruptError{Path: path, Member: member, Err: err}
	}
	b := &Bundle{Path: path, Size: int64(len(data)), SHA256: sha256Hex(data), members: map[string][]byte{}, verified: make(chan struct{})}
	limit := decodeLimit(len(data))
	dec, err := newDecoder(limit)
	if err != nil {
		return nil, corrupt("", fmt.Errorf("zstd decoder: %w", err))
	}
	// The frame header tells the decoded size (the writer records it):
	// allocate the buffer here, within the same limit the decoder applies,
	// so that its memory can be faulted in while the decoder fills it
	// (prefault). A header that lies only costs what DecodeAll itself
	// would have allocated; later frames, if any, grow the buffer.
	var dst []byte
	var h zstd.Header
	if h.Decode(data) == nil && h.HasFCS && h.FrameContentSize <= limit {
		dst = make([]byte, 0, h.FrameContentSize+16)
	}
	stop := prefault(dst[:cap(dst)])
	raw, err := dec.DecodeAll(data, dst)
	stop()
	dec.Close()
	if err != nil {
		return nil, corrupt("", fmt.Errorf("not a valid zstd stream: %w", err))
	}
	br := bytes.NewReader(raw)
	tr := tar.NewReader(br)
	for i := 0; ; i++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			where := ""
			if len(b.names) > 0 {
				where = "after " + b.names[len(b.names)-1]
			}
			return nil, corrupt(where, fmt.Errorf("not a valid tar archive: %w", err))
		}
		name := hdr.Name
		if err := CheckMemberName(name); err != nil {
			return nil, corrupt(name, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, corrupt(name, fmt.Errorf("entry type %q is not a regular file", string(hdr.Typeflag)))
		}
		limit := int64(MaxMemberSize)
		if name == ManifestMember {
			limit = MaxManifestSize
		}
		if hdr.Size < 0 || hdr.Size > limit {
			return nil, corrupt(name, fmt.Errorf("size %d exceeds the cap of %d bytes", hdr.Size, limit))
		}
		// archive/tar reads headers block by block without buffering ahead, so
		// the member's data starts at the reader's offset: slice, don't copy.
		off := int64(len(raw)) - int64(br.Len())
		if off+hdr.Size > int64(len(raw)) {
			return nil, corrupt(name, fmt.Errorf("truncated: %d bytes declared, %d present", hdr.Size, int64(len(raw))-off))
		}
		content := raw[off : off+hdr.Size : off+hdr.Size]
		if i == 0 {
			if name != ManifestMember {
				return nil, corrupt(name, fmt.Errorf("first member must be %s", ManifestMember))
			}
			m, err := UnmarshalManifest(content)
			if err != nil {
				return nil, corrupt(name, err)
			}
			b.Manifest, b.ManifestBytes = m, content
			continue
		}
		if name == ManifestMember {
			return nil, corrupt(name, errors.New("manifest appears twice"))
		}
		if _, dup := b.members[name]; dup {
			return nil, corrupt(name, errors.New("member appears twice"))
		}
		b.members[name] = content
		b.names = append(b.names, name)
	}
	if b.Manifest == nil {
		return nil, corrupt(ManifestMember, errors.New("missing: the archive is empty"))
	}
	go func() {
		b.verifyErr = b.verify(corrupt)
		close(b.verified)
	}()
	return b, nil
}

// Wait waits for the member checks started by StartDecode and returns
// their result: nil, or the *CorruptError Decode would return. It may be
// called any number of times.
func (b *Bundle) Wait() error {
	<-b.verified
	return b.verifyErr
}

// verify checks the members against the manifest: each listed member
// present with its size and sha256, in manifest order (the first problem is
// the error), then nothing unlisted. The sha256s run in parallel, at most
// GOMAXPROCS at a time, largest members first.
func (b *Bundle) verify(corrupt func(member string, err error) error) error {
	ms := b.Manifest.Members
	sums := make([]string, len(ms))
	order := make([]int, 0, len(ms))
	for i, mi := range ms {
		if content, ok := b.members[mi.Name]; ok && int64(len(content)) == mi.Size {
			order = append(order, i)
		}
	}
	sort.SliceStable(order, func(x, y int) bool { return ms[order[x]].Size > ms[order[y]].Size })
	var wg sync.WaitGroup
	var next atomic.Int64
	workers := min(runtime.GOMAXPROCS(0), len(order))
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(next.Add(1) - 1)
				if k >= len(order) {
					return
				}
				i := order[k]
				sums[i] = sha256Hex(b.members[ms[i].Name])
			}
		}()
	}
	wg.Wait()
	listed := make(map[string]bool, len(ms))
	for i, mi := range ms {
		listed[mi.Name] = true
		content, ok := b.members[mi.Name]
		if !ok {
			return corrupt(mi.Name, errors.New("listed in the manifest but missing from the archive"))
		}
		if int64(len(content)) != mi.Size {
			return corrupt(mi.Name, fmt.Errorf("size %d, manifest says %d", len(content), mi.Size))
		}
		if got := sums[i]; got != mi.SHA256 {
			return corrupt(mi.Name, fmt.Errorf("sha256 %s, manifest says %s", got[:12], mi.SHA256[:12]))
		}
	}
	for _, name := range b.names {
		if !listed[name] {
			return corrupt(name, errors.New("present in the archive but not listed in the manifest"))
		}
	}
	return nil
}
