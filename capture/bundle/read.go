package bundle

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"sync"

	"github.com/klauspost/compress/zstd"
	"github.com/ksnap/ksnap/internal/regfile"
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
	// streamed, for a bundle read by Verify, holds each member's size and
	// sha256 instead of its bytes.
	streamed map[string]streamedMember
	// early hashes members as soon as they are read (Decode, StartDecode).
	early earlyHashes

	// HashesSkipped is set when the members' sha256s were not computed
	// again because the whole file's sha256 is in the VerifiedSet the
	// bundle was opened with (StartOpenKnown): every other check ran.
	HashesSkipped bool

	// verified is closed when the member checks of StartDecode are done;
	// verifyErr is their result.
	verified  chan struct{}
	verifyErr error
	// known, when set, learns the file's sha256 once every check passed.
	known VerifiedSet
}

// A VerifiedSet remembers bundle files that passed every check of Decode,
// by the sha256 of the whole file. Bytes with the same sha256 decompress to
// the same members, so their sha256s match the manifest again: a reader
// given a set that holds a file's sha256 skips hashing the members (the
// largest cost after decompression) and makes every other check. The set
// is trusted as the program itself is: whoever can add to it can make a
// bundle whose members do not match its manifest pass as verified.
// Implementations must be safe for concurrent use; Add is best effort.
type VerifiedSet interface {
	Contains(fileSHA256 string) bool
	Add(fileSHA256 string)
}

// earlyHashes computes the sha256 of each member as soon as the reader has
// it, at most GOMAXPROCS at a time, so that hashing overlaps with the
// decompression of the members after it (and, with StartDecode, with the
// caller's work). The reader never waits for it: each member's hash runs in
// its own goroutine, which waits for a slot.
type earlyHashes struct {
	wg   sync.WaitGroup
	slot chan struct{}
	mu   sync.Mutex
	sums map[string]string
}

func (h *earlyHashes) start(name string, content []byte) {
	if h.slot == nil {
		h.slot = make(chan struct{}, runtime.GOMAXPROCS(0))
		h.sums = map[string]string{}
	}
	h.wg.Add(1)
	go func() {
		defer h.wg.Done()
		h.slot <- struct{}{}
		sum := sha256Hex(content)
		<-h.slot
		h.mu.Lock()
		h.sums[name] = sum
		h.mu.Unlock()
	}()
}

// wait returns the sums once every started hash is done.
func (h *earlyHashes) wait() map[string]string {
	h.wg.Wait()
	return h.sums
}

type streamedMember struct {
	size int64
	sum  string
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

// Has reports whether the bundle holds the member (for a bundle read by
// Verify: whether the member was in the archive).
func (b *Bundle) Has(name string) bool {
	_, ok := b.members[name]
	_, streamed := b.streamed[name]
	return ok || streamed || name == ManifestMember
}

// newDecoder builds the one streaming decoder of a bundle read; every
// option is fixed.
func newDecoder(r io.Reader) (*zstd.Decoder, error) {
	return zstd.NewReader(r,
		// One goroutine, decoding synchronously: batch analysis
		// parallelises across bundles.
		zstd.WithDecoderConcurrency(1),
		// Bounds the window (history buffer) a frame may claim. The
		// decompressed total is capped by limitReader, not here: a frame
		// without a content size must never be decoded into an unbounded
		// buffer (DecodeAll), so members are streamed out one by one.
		zstd.WithDecoderMaxMemory(MaxWindow),
		zstd.WithDecoderMaxWindow(MaxWindow),
	)
}

// readState is what one bundle read needs besides the members themselves:
// the zstd decoder (its window and block buffers are the largest
// per-bundle allocation after the members) and the padding buffer of
// checkEnd. Batch reads of many bundles take them from readStates instead
// of allocating them per bundle: each worker ends up reusing one.
type readState struct {
	dec *zstd.Decoder
	pad []byte
}

var readStates sync.Pool // *readState

// getReadState returns a pooled state, its decoder reset to read r, or a
// new one.
func getReadState(r io.Reader) (*readState, error) {
	if rs, ok := readStates.Get().(*readState); ok {
		if err := rs.dec.Reset(r); err == nil {
			return rs, nil
		}
		rs.dec.Close()
	}
	dec, err := newDecoder(r)
	if err != nil {
		return nil, err
	}
	return &readState{dec: dec, pad: make([]byte, 32<<10)}, nil
}

// release puts rs back in the pool when reuse is set (the read ended
// cleanly), and closes its decoder otherwise.
func (rs *readState) release(reuse bool) {
	if !reuse {
		rs.dec.Close()
		return
	}
	// Drop the reference to the bundle's bytes before pooling.
	if err := rs.dec.Reset(nil); err != nil {
		rs.dec.Close()
		return
	}
	readStates.Put(rs)
}

// Open reads and verifies the bundle at path. Only a regular file (or a
// symlink to one) of at most MaxFileSize bytes is read.
func Open(path string) (*Bundle, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return Decode(path, data)
}

// Verify reads the bundle at path and makes every check Open makes, but
// hashes each member as it is decompressed instead of keeping it: its
// memory does not grow with the members (the compressed file is held, the
// decoder and copy buffer are pooled). The Bundle it returns has the
// manifest, SHA256, Size and Names; Member returns only the manifest.
// bundle verify uses it.
func Verify(path string) (*Bundle, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	b, err := startDecode(path, data, false)
	if err != nil {
		return nil, err
	}
	if err := b.Wait(); err != nil {
		return nil, err
	}
	return b, nil
}

// StartOpen reads the bundle at path and starts its verification (see
// StartDecode).
func StartOpen(path string) (*Bundle, error) {
	return StartOpenKnown(path, nil)
}

// StartOpenKnown is StartOpen with a set of files verified before: when
// known holds the file's sha256 the members are not hashed again
// (HashesSkipped), and when it does not, the file's sha256 is added to it
// once every check passed. A nil set is StartOpen.
func StartOpenKnown(path string, known VerifiedSet) (*Bundle, error) {
	data, err := readFile(path)
	if err != nil {
		return nil, err
	}
	return startDecodeKnown(path, data, true, known)
}

func readFile(path string) ([]byte, error) {
	data, err := regfile.ReadFile(path, MaxFileSize)
	var pe *os.PathError
	switch {
	case err == nil:
		return data, nil
	case errors.Is(err, regfile.ErrNotRegular) && errors.As(err, &pe):
		return nil, &CorruptError{Path: path, Err: pe.Err}
	case errors.Is(err, regfile.ErrTooLarge):
		return nil, &CorruptError{Path: path, Err: &LimitError{What: "file size", Limit: MaxFileSize, Got: MaxFileSize + 1}}
	}
	return nil, fmt.Errorf("read %s: %w", path, err)
}

// Decode verifies a bundle's bytes: zstd frames and checksums, tar structure,
// regular-file members with allowed names and capped sizes, the manifest
// first and valid, no member twice, every member listed in the manifest with
// the right size and sha256, nothing listed missing, and nothing after the
// tar archive's end but zero padding. path names the bundle in errors. The
// members' sha256s are computed in parallel (at most GOMAXPROCS at a time).
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

// limitReader counts what it passes on and fails once more than limit
// bytes were asked for: the decompressed stream is refused when it grows
// past DecodeLimit, before anything beyond it is allocated.
type limitReader struct {
	r     io.Reader
	n     int64
	limit int64
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.n >= l.limit {
		// One byte more tells a stream that ends exactly at the limit
		// from one that goes on.
		var one [1]byte
		if n, _ := l.r.Read(one[:]); n > 0 {
			return 0, &LimitError{What: "decompressed size", Limit: l.limit, Got: l.limit + 1}
		}
	}
	if rest := l.limit - l.n; int64(len(p)) > rest {
		p = p[:rest+1]
	}
	n, err := l.r.Read(p)
	if err != nil && err != io.EOF {
		err = &zstdError{err}
	}
	l.n += int64(n)
	if l.n > l.limit {
		return 0, &LimitError{What: "decompressed size", Limit: l.limit, Got: l.n}
	}
	return n, err
}

// Seek moves within the stream when the reader under it can (the
// decompressed stream held whole): archive/tar then skips a member's data
// instead of copying it out. Moving past the limit is refused like reading
// past it.
func (l *limitReader) Seek(offset int64, whence int) (int64, error) {
	s, ok := l.r.(io.Seeker)
	if !ok || whence != io.SeekCurrent || offset < 0 {
		return 0, errors.New("not seekable")
	}
	if l.n+offset > l.limit {
		return 0, &LimitError{What: "decompressed size", Limit: l.limit, Got: l.limit + 1}
	}
	pos, err := s.Seek(offset, io.SeekCurrent)
	if err != nil {
		return 0, err
	}
	l.n += offset
	return pos, nil
}

// wholeMin is the smallest decompressed size decodeWhole takes on: below
// it a pooled streaming decoder is cheaper than a decoder of its own.
var wholeMin uint64 = 8 << 20 // a variable for tests

// decodeWhole decodes a bundle of one large zstd frame that declares its
// content size (what format v1 writes) in one call into one buffer, which
// saves copying every member out of the decoder's window. It returns nil
// whenever that does not apply or fails; the streaming read then decodes
// the file and reports its problems in the usual words. The output is
// bounded by limit like the streaming read.
//
// known says the file's sha256 is one that passed every check before
// (VerifiedSet): its bytes are those bytes, so the frame checksum would
// match again, and it is not computed (as the members' sha256s are not).
func decodeWhole(data []byte, limit int64, known bool) []byte {
	var h zstd.Header
	if err := h.Decode(data); err != nil || !h.HasFCS || h.WindowSize > MaxWindow ||
		h.FrameContentSize < wholeMin || h.FrameContentSize > uint64(limit) {
		return nil
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(1),
		zstd.WithDecoderMaxMemory(uint64(limit)),
		zstd.WithDecoderMaxWindow(MaxWindow),
		zstd.IgnoreChecksum(known),
	)
	if err != nil {
		return nil
	}
	defer dec.Close()
	buf := make([]byte, h.FrameContentSize)
	stop := prefault(buf)
	out, err := dec.DecodeAll(data, buf[:0])
	stop()
	if err != nil || int64(len(out)) > limit {
		return nil
	}
	return out
}

// zstdError marks an error of the zstd layer (a corrupt or truncated
// frame, a checksum mismatch) as opposed to one of the tar layer.
type zstdError struct{ err error }

func (e *zstdError) Error() string { return e.err.Error() }
func (e *zstdError) Unwrap() error { return e.err }

// streamError names what failed while reading the decompressed stream: a
// limit, the zstd layer, or the tar layer.
func streamError(err error, what string) error {
	var le *LimitError
	var ze *zstdError
	switch {
	case errors.As(err, &le):
		return le
	case errors.As(err, &ze):
		if errors.Is(ze.err, io.ErrUnexpectedEOF) {
			return errors.New("not a valid zstd stream: the file is truncated")
		}
		return fmt.Errorf("not a valid zstd stream: %w", ze.err)
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return fmt.Errorf("truncated: the archive ends inside %s", what)
	}
	return fmt.Errorf("not a valid tar archive: %w", err)
}

// StartDecode is Decode that returns once the archive's structure is
// checked (zstd, tar, names, types, sizes, limits, the manifest, the end of
// the archive), while the checks of the members against the manifest
// (presence, size, sha256) run in the background. Members can be read at
// once, so a caller can work on them while they are hashed; but nothing
// derived from them may be shown or kept before Wait returns nil: until
// then the bundle is unverified input. Wait gives the same error Decode
// would.
//
// The decompressed stream is read member by member, never as a whole: each
// tar header's size is checked against MaxMemberSize (MaxManifestSize) and
// against what is left of DecodeLimit(len(data)) before the member's buffer
// is allocated, and the stream is refused as soon as it passes the limit.
func StartDecode(path string, data []byte) (*Bundle, error) {
	return startDecode(path, data, true)
}

// startDecode is StartDecode; keep false hashes the members (other than the
// manifest) as they are read instead of keeping them, for Verify.
func startDecode(path string, data []byte, keep bool) (*Bundle, error) {
	return startDecodeKnown(path, data, keep, nil)
}

func startDecodeKnown(path string, data []byte, keep bool, known VerifiedSet) (*Bundle, error) {
	corrupt := func(member string, err error) error {
		return &CorruptError{Path: path, Member: member, Err: err}
	}
	if int64(len(data)) > MaxFileSize {
		return nil, corrupt("", &LimitError{What: "file size", Limit: MaxFileSize, Got: int64(len(data))})
	}
	b := &Bundle{Path: path, Size: int64(len(data)), SHA256: sha256Hex(data), members: map[string][]byte{}, verified: make(chan struct{})}
	if known != nil && keep {
		if known.Contains(b.SHA256) {
			b.HashesSkipped = true
		} else {
			b.known = known
		}
	}
	limit := DecodeLimit(int64(len(data)))
	// whole is the decompressed stream when it could be decoded at once
	// (decodeWhole): the members are then slices of it, not copies.
	var whole []byte
	if keep {
		whole = decodeWhole(data, limit, b.HashesSkipped)
	}
	lr := &limitReader{limit: limit}
	var pad []byte
	reuse := false
	if whole != nil {
		lr.r, pad = bytes.NewReader(whole), make([]byte, 32<<10)
	} else {
		rs, err := getReadState(bytes.NewReader(data))
		if err != nil {
			return nil, corrupt("", fmt.Errorf("not a valid zstd stream: %w", err))
		}
		// A read that failed may leave the decoder in any state: only one
		// that got to the end goes back to the pool.
		defer func() { rs.release(reuse) }()
		lr.r, pad = rs.dec, rs.pad
	}
	tr := tar.NewReader(lr)
	// end is the stream offset just after the last member's padded data:
	// the end-of-archive marker (two zero blocks) must follow it.
	var end int64
	for i := 0; ; i++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			where := ""
			if len(b.names) > 0 {
				where = "after " + b.names[len(b.names)-1]
			} else if b.Manifest != nil {
				where = "after " + ManifestMember
			}
			return nil, corrupt(where, streamError(err, "a tar header"))
		}
		if i >= MaxMembers {
			return nil, corrupt("", &LimitError{What: "member count", Limit: MaxMembers, Got: int64(i) + 1})
		}
		name := hdr.Name
		if err := CheckMemberName(name); err != nil {
			return nil, corrupt(name, err)
		}
		if hdr.Typeflag != tar.TypeReg {
			return nil, corrupt(name, fmt.Errorf("entry type %q is not a regular file", string(hdr.Typeflag)))
		}
		max, what := int64(MaxMemberSize), "member size"
		if name == ManifestMember {
			max, what = MaxManifestSize, "manifest size"
		}
		if hdr.Size < 0 || hdr.Size > max {
			return nil, corrupt(name, &LimitError{What: what, Limit: max, Got: hdr.Size})
		}
		if left := limit - lr.n; hdr.Size > left {
			return nil, corrupt(name, &LimitError{What: fmt.Sprintf("decompressed size (%d so far, then this member's %d)", lr.n, hdr.Size), Limit: limit})
		}
		if !keep && i > 0 {
			h := sha256.New()
			n, err := io.CopyBuffer(h, io.LimitReader(tr, hdr.Size), pad)
			if err == nil && n < hdr.Size {
				err = io.ErrUnexpectedEOF
			}
			if err != nil {
				return nil, corrupt(name, streamError(err, "the member's data"))
			}
			end = lr.n + (512-hdr.Size%512)%512
			// Decode's checks, in Decode's order (after the data is read).
			if name == ManifestMember {
				return nil, corrupt(name, errors.New("manifest appears twice"))
			}
			if _, dup := b.streamed[name]; dup {
				return nil, corrupt(name, errors.New("member appears twice"))
			}
			if b.streamed == nil {
				b.streamed = map[string]streamedMember{}
			}
			b.streamed[name] = streamedMember{size: hdr.Size, sum: hex.EncodeToString(h.Sum(nil))}
			b.names = append(b.names, name)
			continue
		}
		var content []byte
		if whole != nil {
			// The member's data starts where the tar reader stopped; the
			// next Next seeks over it (limitReader.Seek).
			if start := lr.n; hdr.Size > int64(len(whole))-start {
				err = io.ErrUnexpectedEOF
			} else {
				content = whole[start : start+hdr.Size : start+hdr.Size]
				end = start + hdr.Size + (512-hdr.Size%512)%512
			}
		} else {
			content = make([]byte, hdr.Size)
			stop := prefault(content)
			_, err = io.ReadFull(tr, content)
			stop()
			end = lr.n + (512-hdr.Size%512)%512
		}
		if err != nil {
			return nil, corrupt(name, streamError(err, "the member's data"))
		}
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
		if !b.HashesSkipped {
			b.early.start(name, content)
		}
	}
	if b.Manifest == nil {
		return nil, corrupt(ManifestMember, errors.New("missing: the archive is empty"))
	}
	if err := checkEnd(lr, end, pad); err != nil {
		return nil, corrupt("", err)
	}
	reuse = true
	go func() {
		b.verifyErr = b.verify(corrupt)
		if b.verifyErr == nil && b.known != nil {
			b.known.Add(b.SHA256)
		}
		close(b.verified)
	}()
	return b, nil
}

// checkEnd checks what follows the last member: the end-of-archive marker
// (two zero blocks, which archive/tar consumed if present), then nothing but
// at most MaxPadding zero bytes, to the end of the last zstd frame. A
// second archive appended to the first, or any other data, is refused:
// tar -i would extract it over the real members.
func checkEnd(lr *limitReader, end int64, buf []byte) error {
	if lr.n < end+1024 {
		return errors.New("truncated: the tar end-of-archive marker is missing")
	}
	pad := lr.n - end - 1024
	for {
		n, err := lr.Read(buf)
		for i, c := range buf[:n] {
			if c != 0 {
				return fmt.Errorf("trailing data after the end of the tar archive (a non-zero byte at offset %d of the decompressed stream)", lr.n-int64(n)+int64(i))
			}
		}
		pad += int64(n)
		if pad > MaxPadding {
			return &LimitError{What: "zero padding after the end of the tar archive", Limit: MaxPadding, Got: MaxPadding + 1}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return streamError(err, "the padding after the tar end")
		}
	}
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
// the error), then nothing unlisted. The sha256s were started as the
// members were read (earlyHashes).
func (b *Bundle) verify(corrupt func(member string, err error) error) error {
	if b.streamed != nil {
		return b.verifyStreamed(corrupt)
	}
	ms := b.Manifest.Members
	early := b.early.wait()
	listed := make(map[string]bool, len(ms))
	for _, mi := range ms {
		listed[mi.Name] = true
		content, ok := b.members[mi.Name]
		if !ok {
			return corrupt(mi.Name, errors.New("listed in the manifest but missing from the archive"))
		}
		if int64(len(content)) != mi.Size {
			return corrupt(mi.Name, fmt.Errorf("size %d, manifest says %d", len(content), mi.Size))
		}
		if b.HashesSkipped {
			continue
		}
		if got := early[mi.Name]; got != mi.SHA256 {
			return corrupt(mi.Name, fmt.Errorf("sha256 %s, manifest says %s", got[:12], mi.SHA256[:12]))
		}
	}
	return b.unlisted(listed, corrupt)
}

// unlisted returns the error for the first member not in listed.
func (b *Bundle) unlisted(listed map[string]bool, corrupt func(member string, err error) error) error {
	for _, name := range b.names {
		if !listed[name] {
			return corrupt(name, errors.New("present in the archive but not listed in the manifest"))
		}
	}
	return nil
}

// verifyStreamed is verify for a bundle read by Verify: the sizes and
// sums were taken while reading; the checks and their order are verify's.
func (b *Bundle) verifyStreamed(corrupt func(member string, err error) error) error {
	listed := make(map[string]bool, len(b.Manifest.Members))
	for _, mi := range b.Manifest.Members {
		listed[mi.Name] = true
		sm, ok := b.streamed[mi.Name]
		if !ok {
			return corrupt(mi.Name, errors.New("listed in the manifest but missing from the archive"))
		}
		if sm.size != mi.Size {
			return corrupt(mi.Name, fmt.Errorf("size %d, manifest says %d", sm.size, mi.Size))
		}
		if sm.sum != mi.SHA256 {
			return corrupt(mi.Name, fmt.Errorf("sha256 %s, manifest says %s", sm.sum[:12], mi.SHA256[:12]))
		}
	}
	return b.unlisted(listed, corrupt)
}
