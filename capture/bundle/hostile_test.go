package bundle

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/klauspost/compress/zstd"
)

// streamCompress compresses raw as a streaming encoder does: frames without
// a content size in their header, so a reader cannot size anything from it.
func streamCompress(t *testing.T, parts ...[]byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, err := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range parts {
		if _, err := enc.Write(p); err != nil {
			t.Fatal(err)
		}
		// Writing the header before the size is known leaves it out.
		if err := enc.Flush(); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Close(); err != nil {
		t.Fatal(err)
	}
	var h zstd.Header
	if h.Decode(buf.Bytes()) == nil && h.HasFCS {
		t.Fatal("streamCompress wrote a content size")
	}
	return buf.Bytes()
}

// zeroReader yields n zero bytes.
type zeroReader struct{ n int64 }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.n <= 0 {
		return 0, io.EOF
	}
	k := min(int64(len(p)), z.n)
	clear(p[:k])
	z.n -= k
	return int(k), nil
}

// zeroBomb is a valid bundle's tar followed by n zero bytes, streamed.
func zeroBomb(t *testing.T, good []byte, n int64) []byte {
	t.Helper()
	var buf bytes.Buffer
	enc, _ := zstd.NewWriter(&buf, zstd.WithEncoderLevel(zstd.SpeedFastest))
	enc.Write(good)
	if _, err := io.Copy(enc, &zeroReader{n}); err != nil {
		t.Fatal(err)
	}
	enc.Close()
	return buf.Bytes()
}

// goodTar is the uncompressed archive of the test bundle.
func goodTar(t *testing.T) []byte { return rawTar(t, goodEntries(t), true) }

func TestHostileArchives(t *testing.T) {
	t.Parallel()
	withManifest := func(edit func(m *Manifest)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			e := goodEntries(t)
			m, err := UnmarshalManifest(e[0].data)
			if err != nil {
				t.Fatal(err)
			}
			edit(m)
			mb, err := MarshalManifest(m)
			if err != nil {
				t.Fatal(err)
			}
			e[0].data = mb
			return compress(t, rawTar(t, e, true))
		}
	}
	tests := []struct {
		name       string
		data       func(t *testing.T) []byte
		wantMember string
		wantErr    string
	}{
		{"second archive appended", func(t *testing.T) []byte {
			g := goodTar(t)
			evil := rawTar(t, []entry{{hdr: tar.Header{Name: JobsMember}, data: []byte(`{"kind":"JobList","items":[]}`)}}, true)
			return streamCompress(t, g, evil)
		}, "", "b.tar.zst: trailing data after the end of the tar archive (a non-zero byte at offset 7680 of the decompressed stream)"},
		{"garbage after the tar end", func(t *testing.T) []byte {
			return streamCompress(t, goodTar(t), make([]byte, 4096), []byte("x"))
		}, "", "b.tar.zst: trailing data after the end of the tar archive (a non-zero byte at offset 11776 of the decompressed stream)"},
		{"a second zstd frame holding a second archive", func(t *testing.T) []byte {
			evil := rawTar(t, []entry{{hdr: tar.Header{Name: JobsMember}, data: []byte(`{}`)}}, true)
			return append(compress(t, goodTar(t)), compress(t, evil)...)
		}, "", "b.tar.zst: trailing data after the end of the tar archive (a non-zero byte at offset 7680 of the decompressed stream)"},
		{"zero padding bomb without content size", func(t *testing.T) []byte {
			return zeroBomb(t, goodTar(t), 64<<20)
		}, "", "b.tar.zst: zero padding after the end of the tar archive of 1048577 exceeds the limit of 1048576"},
		{"end-of-archive marker missing", func(t *testing.T) []byte {
			return compress(t, rawTar(t, goodEntries(t), false))
		}, "", "b.tar.zst: truncated: the tar end-of-archive marker is missing"},
		{"member claims more than the file may decompress to", func(t *testing.T) []byte {
			e := goodEntries(t)
			var buf bytes.Buffer
			buf.Write(rawTar(t, e[:1], false))
			tw := tar.NewWriter(&buf)
			tw.WriteHeader(&tar.Header{Name: JobsMember, Typeflag: tar.TypeReg, Size: 900 << 20, Mode: 0o600})
			tw.Flush()
			return streamCompress(t, buf.Bytes())
		}, JobsMember, "exceeds the limit of"},
		{"zeros only", func(t *testing.T) []byte { return zeroBomb(t, nil, 16<<20) }, ManifestMember, "b.tar.zst: member manifest.json: missing: the archive is empty"},
		{"kinds swapped", withManifest(func(m *Manifest) {
			m.Commands[0].Kind, m.Commands[1].Kind = m.Commands[1].Kind, m.Commands[0].Kind
		}), ManifestMember, `b.tar.zst: member manifest.json: commands[0]: kind pods with member "jobs.json", want "pods.json"`},
		{"short sha256 on a command without member", withManifest(func(m *Manifest) {
			m.Commands = append(m.Commands, Command{Kind: KindVersion, Argv: []string{}, Status: StatusFailed, SHA256: "abc"})
		}), ManifestMember, `b.tar.zst: member manifest.json: commands[4]: no member but size 0 or sha256 "abc"`},
		{"log member of another pod", withManifest(func(m *Manifest) { m.Commands[3].Pod = "p-2" }), ManifestMember,
			`b.tar.zst: member manifest.json: commands[3]: kind log of pod "p-2" container "main" with member "logs/p-1/main.log", want "logs/p-2/main.log"`},
		{"member of no command", withManifest(func(m *Manifest) { m.Commands = m.Commands[:3] }), ManifestMember,
			`b.tar.zst: member manifest.json: members: "logs/p-1/main.log" belongs to no command`},
		{"two jobs commands", withManifest(func(m *Manifest) {
			m.Commands = append(m.Commands, Command{Kind: KindJobs, Argv: []string{}, Status: StatusFailed})
		}), ManifestMember, `b.tar.zst: member manifest.json: commands[4]: a second jobs command`},
		{"truncated log without stdout_size", withManifest(func(m *Manifest) { m.Commands[3].StdoutTruncated = true }), ManifestMember,
			`b.tar.zst: member manifest.json: commands[3]: stdout_truncated and stdout_size disagree (size 26, stdout_size 0)`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkCorrupt(t, tt.data(t), tt.wantMember, tt.wantErr)
		})
	}
}

func TestZeroPaddingIsAccepted(t *testing.T) {
	t.Parallel()
	// GNU tar pads archives to 10 KiB records.
	if _, err := Decode("b.tar.zst", streamCompress(t, goodTar(t), make([]byte, 10240))); err != nil {
		t.Fatal(err)
	}
}

func TestTooManyMembers(t *testing.T) {
	t.Parallel()
	e := goodEntries(t)
	var buf bytes.Buffer
	buf.Write(rawTar(t, e[:1], false))
	tw := tar.NewWriter(&buf)
	for i := range MaxMembers {
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("logs/p/c%d.log", i), Typeflag: tar.TypeReg, Mode: 0o600})
	}
	tw.Close()
	_, err := Decode("b.tar.zst", streamCompress(t, buf.Bytes()))
	if want := "b.tar.zst: member count of 100001 exceeds the limit of 100000"; err == nil || err.Error() != want {
		t.Fatalf("err = %v, want %s", err, want)
	}
}

func TestLimitReaderStopsAtTheLimit(t *testing.T) {
	t.Parallel()
	lr := &limitReader{r: &zeroReader{1 << 20}, limit: 1000}
	n, err := io.Copy(io.Discard, lr)
	var le *LimitError
	if !errors.As(err, &le) || n > 1000 || lr.n > 1001 {
		t.Fatalf("copied %d (read %d), err %v: want at most 1000 and a *LimitError", n, lr.n, err)
	}
	lr = &limitReader{r: &zeroReader{1000}, limit: 1000}
	if n, err := io.Copy(io.Discard, lr); n != 1000 || err != nil {
		t.Fatalf("exactly the limit: copied %d, err %v", n, err)
	}
}

// Only regular files are bundles: a FIFO would block, /dev/zero would never
// end, a directory is not a file. The same for what a symlink points at.
func TestOpenRefusesSpecialFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.tar.zst")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	link := filepath.Join(dir, "link.tar.zst")
	if err := os.Symlink(fifo, link); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "d.tar.zst")
	os.Mkdir(sub, 0o700)
	tests := []struct{ path, want string }{
		{fifo, fifo + ": not a regular file (a FIFO)"},
		{link, link + ": not a regular file (a FIFO)"},
		{"/dev/zero", "/dev/zero: not a regular file (a character device)"},
		{sub, sub + ": not a regular file (a directory)"},
	}
	for _, tt := range tests {
		for name, open := range map[string]func(string) (*Bundle, error){"Open": Open, "StartOpen": StartOpen} {
			_, err := open(tt.path)
			if err == nil || err.Error() != tt.want || !errors.Is(err, ErrNotRegular) {
				t.Errorf("%s(%s) = %v, want %s", name, tt.path, err, tt.want)
			}
		}
	}
}

func TestCheckEncoded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		manifest, entries int
		tar, file         int64
		want              string
	}{
		{1000, 10, 100 << 20, 1 << 20, ""},
		{1000, 10, 129 << 20, 1 << 20, "decompressed size (for a file of 1048576 bytes) of 135266304 exceeds the limit of 134217728"},
		{MaxManifestSize + 1, 10, 1 << 20, 1 << 20, "manifest size of 67108865 exceeds the limit of 67108864"},
		{1000, MaxMembers + 1, 1 << 20, 1 << 20, "member count of 100001 exceeds the limit of 100000"},
	}
	for _, tt := range tests {
		err := checkEncoded(tt.manifest, tt.entries, tt.tar, tt.file)
		got := ""
		if err != nil {
			got = err.Error()
		}
		if got != tt.want {
			t.Errorf("checkEncoded(%d, %d, %d, %d) = %q, want %q", tt.manifest, tt.entries, tt.tar, tt.file, got, tt.want)
		}
	}
}

// FuzzManifest: any manifest the checks accept can be listed without a
// panic (bundle ls slices sha256 prefixes and builds log member names), and
// re-encodes to a manifest that is accepted again.
func FuzzManifest(f *testing.F) {
	mb, _, err := Seal(testManifest(), testMembers())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(mb)
	f.Add([]byte(`{"format":"ksnap.bundle","format_version":1,"source":"import","captured_at":"2025-11-16T10:00:00Z","namespace":"n","commands":[{"kind":"version","member":"","argv":[],"status":"failed","sha256":"abc"}],"members":[]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := UnmarshalManifest(data)
		if err != nil {
			return
		}
		for _, c := range m.Commands {
			if c.SHA256 != "" {
				_ = c.SHA256[:12]
			}
			if c.Member != "" && CheckMemberName(c.Member) != nil {
				t.Fatalf("accepted member name %q", c.Member)
			}
		}
		for _, mi := range m.Members {
			_ = mi.SHA256[:12]
		}
		for _, s := range m.Skipped {
			_ = LogMember(s.Pod, s.Container, false)
		}
		if _, err := m.CaptureTime(); err != nil {
			t.Fatalf("accepted captured_at %q", m.CapturedAt)
		}
		again, err := MarshalManifest(m)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := UnmarshalManifest(again); err != nil {
			t.Fatalf("re-encoded manifest refused: %v", err)
		}
	})
}

// A capture whose JSON compresses better than MaxRatio (identical pods)
// is padded with a skippable frame instead of being refused by the reader.
func TestVeryRepetitiveBundleIsPaddedAndReadable(t *testing.T) {
	t.Parallel()
	m := testManifest()
	ms := testMembers()
	item := []byte(`{"metadata":{"name":"p"},"status":{"phase":"Running"}},`)
	pods := append([]byte(`{"kind":"PodList","items":[`), bytes.Repeat(item, (96<<20)/len(item))...)
	pods = append(pods[:len(pods)-1], "]}"...)
	for i := range ms {
		if ms[i].Name == PodsMember {
			ms[i].Data = pods
		}
	}
	var buf bytes.Buffer
	if _, err := Encode(&buf, m, ms); err != nil {
		t.Fatal(err)
	}
	if _, err := Decode("b.tar.zst", buf.Bytes()); err != nil {
		t.Fatalf("padded bundle refused: %v", err)
	}
	if min := int64(len(pods)-BaseAllowance) / MaxRatio; int64(buf.Len()) < min {
		t.Errorf("file of %d bytes, want at least %d", buf.Len(), min)
	}
	var again bytes.Buffer
	Encode(&again, testManifest(), ms)
	if !bytes.Equal(buf.Bytes(), again.Bytes()) {
		t.Error("padding is not deterministic")
	}
}
