package bundle

import (
	"archive/tar"
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/klauspost/compress/zstd"
)

func testManifest() *Manifest {
	return &Manifest{
		Format:        Format,
		FormatVersion: FormatVersion,
		KsnapVersion:  "v0.0.0-test",
		Source:        SourceCapture,
		CapturedAt:    "2025-11-16T10:00:00.000000000Z",
		FinishedAt:    "2025-11-16T10:00:01.500000000Z",
		Namespace:     "trading-bots",
		Selector:      "app=arbitrage-tuning",
		Context:       "prod",
		Kubectl:       Versions{Client: "v1.33.1", Server: "v1.33.13"},
		Options:       Options{MaxLogLines: 100, Logs: "all", TimeoutNS: 30e9},
		Commands: []Command{
			{Kind: KindJobs, Member: JobsMember, Argv: []string{"kubectl", "get", "jobs"}, Status: StatusOK, DurationNS: 5e6},
			{Kind: KindPods, Member: PodsMember, Argv: []string{"kubectl", "get", "pods"}, Status: StatusOK},
			{Kind: KindEvents, Member: EventsMember, Argv: []string{"kubectl", "get", "events"}, Status: StatusFailed,
				ExitCode: 1, Error: "kubectl exited 1: Forbidden", Stderr: "Error from server (Forbidden)\n"},
			{Kind: KindLog, Member: LogMember("p-1", "main", false), Argv: []string{"kubectl", "logs", "p-1"}, Status: StatusOK, Pod: "p-1", Container: "main"},
		},
	}
}

func testMembers() []Member {
	return []Member{
		{Name: LogMember("p-1", "main", false), Data: []byte("line 1\n  indented line 2\r\n")},
		{Name: EventsMember, Data: nil},
		{Name: PodsMember, Data: []byte(`{"kind":"PodList","items":[]}`)},
		{Name: JobsMember, Data: []byte("{\"kind\":\"JobList\",\n \"items\":[]}\n")},
	}
}

func encode(t *testing.T) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := Encode(&buf, testManifest(), testMembers()); err != nil {
		t.Fatalf("Encode: %v", err)
	}
	return buf.Bytes()
}

func TestRoundTripReturnsSameBytes(t *testing.T) {
	t.Parallel()
	data := encode(t)
	b, err := Decode("x.tar.zst", data)
	if err != nil {
		t.Fatalf("Decode: %v", err)
	}
	for _, m := range testMembers() {
		got, err := b.Member(m.Name)
		if err != nil {
			t.Fatalf("Member(%s): %v", m.Name, err)
		}
		if !bytes.Equal(got, m.Data) {
			t.Errorf("member %s = %q, want %q", m.Name, got, m.Data)
		}
	}
	wantOrder := []string{JobsMember, PodsMember, EventsMember, "logs/p-1/main.log"}
	if got := strings.Join(b.Names(), ","); got != strings.Join(wantOrder, ",") {
		t.Errorf("member order = %s, want %s", got, strings.Join(wantOrder, ","))
	}
	jobs := testMembers()[3].Data
	if c := b.Manifest.Commands[0]; c.SHA256 != sha256Hex(jobs) || c.Size != int64(len(jobs)) {
		t.Errorf("jobs command size %d sha %s, want %d %s", c.Size, c.SHA256, len(jobs), sha256Hex(jobs))
	}
	if b.Manifest.Commands[2].Size != 0 || b.Manifest.Commands[2].SHA256 != sha256Hex(nil) {
		t.Errorf("empty events member: size %d sha %s", b.Manifest.Commands[2].Size, b.Manifest.Commands[2].SHA256)
	}
	if got := len(b.Manifest.FailedCommands()); got != 1 {
		t.Errorf("FailedCommands = %d, want 1", got)
	}
}

func TestEncodeIsDeterministic(t *testing.T) {
	t.Parallel()
	a, b := encode(t), encode(t)
	if !bytes.Equal(a, b) {
		t.Fatal("two encodings of the same manifest and members differ")
	}
	// Member order given must not matter.
	ms := testMembers()
	ms[0], ms[3] = ms[3], ms[0]
	var buf bytes.Buffer
	if _, err := Encode(&buf, testManifest(), ms); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, buf.Bytes()) {
		t.Fatal("member order of the input changed the bundle bytes")
	}
}

func TestTarHeadersAreNormalized(t *testing.T) {
	t.Parallel()
	data := encode(t)
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	raw, err := dec.DecodeAll(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(bytes.NewReader(raw))
	first := true
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if first && h.Name != ManifestMember {
			t.Errorf("first member %s", h.Name)
		}
		first = false
		if h.Uid != 0 || h.Gid != 0 || h.Mode != 0o600 || h.ModTime.UTC().Format("2006-01-02T15:04:05Z") != "2025-11-16T10:00:00Z" {
			t.Errorf("%s: uid %d gid %d mode %o mtime %s", h.Name, h.Uid, h.Gid, h.Mode, h.ModTime.UTC())
		}
	}
}

func TestWriteDurableNamedAndNoOverwrite(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p1, err := Write(dir, testManifest(), testMembers())
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(p1)
	if !strings.HasPrefix(base, "20251116T100000Z-trading-bots-") || !strings.HasSuffix(base, ".tar.zst") || len(base) != len("20251116T100000Z-trading-bots-12345678.tar.zst") {
		t.Errorf("file name %s", base)
	}
	st, err := os.Stat(p1)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", st.Mode().Perm())
	}
	// Same bundle again: same path, no error, no temp files left.
	p2, err := Write(dir, testManifest(), testMembers())
	if err != nil || p2 != p1 {
		t.Fatalf("second Write = %s, %v", p2, err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("dir has %d entries, want 1", len(entries))
	}
	// A different file at that name is never overwritten.
	if err := os.WriteFile(filepath.Join(dir, "other.tar.zst"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	err = WriteFileAtomic(filepath.Join(dir, "other.tar.zst"), []byte("y"))
	if !errors.Is(err, ErrExists) {
		t.Fatalf("overwrite error = %v, want ErrExists", err)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "other.tar.zst")); string(b) != "x" {
		t.Errorf("existing file changed to %q", b)
	}
}

func TestWriteIntoMissingDirFails(t *testing.T) {
	t.Parallel()
	_, err := Write(filepath.Join(t.TempDir(), "no", "such"), testManifest(), testMembers())
	if err == nil || !strings.Contains(err.Error(), "create") {
		t.Fatalf("err = %v, want a create error", err)
	}
}

// rawTar builds a tar stream from entries, compresses it and returns it.
type entry struct {
	hdr  tar.Header
	data []byte
}

func compress(t *testing.T, raw []byte) []byte {
	t.Helper()
	enc, _ := zstd.NewWriter(nil)
	defer enc.Close()
	return enc.EncodeAll(raw, nil)
}

func rawTar(t *testing.T, entries []entry, close bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		h := e.hdr
		if h.Typeflag == 0 {
			h.Typeflag = tar.TypeReg
		}
		if h.Typeflag == tar.TypeReg && h.Size == 0 {
			h.Size = int64(len(e.data))
		}
		h.Mode = 0o600
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		if len(e.data) > 0 {
			if _, err := tw.Write(e.data); err != nil {
				t.Fatal(err)
			}
		}
	}
	if close {
		tw.Close()
	} else {
		tw.Flush()
	}
	return buf.Bytes()
}

// goodEntries decodes the good bundle back into entries to tamper with.
func goodEntries(t *testing.T) []entry {
	t.Helper()
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	raw, err := dec.DecodeAll(encode(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	var out []entry
	tr := tar.NewReader(bytes.NewReader(raw))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		var b bytes.Buffer
		b.ReadFrom(tr)
		out = append(out, entry{hdr: tar.Header{Name: h.Name, ModTime: h.ModTime}, data: b.Bytes()})
	}
	return out
}

type corruptCase struct {
	name       string
	data       func(t *testing.T) []byte
	wantMember string
	wantErr    string
}

func TestCorruptionGivesOneTypedErrorNamingTheMember(t *testing.T) {
	t.Parallel()
	for _, tt := range corruptCases(encode(t)) {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			checkCorrupt(t, tt.data(t), tt.wantMember, tt.wantErr)
		})
	}
}

// TestCorruptionWholeDecode runs the same cases through decodeWhole (the
// one-call decode of large bundles, here for every size): each gives the
// error the streaming read gives (checkCorrupt compares with Verify's).
// Not parallel: it lowers wholeMin for the duration.
func TestCorruptionWholeDecode(t *testing.T) {
	defer func(m uint64) { wholeMin = m }(wholeMin)
	wholeMin = 0
	good := encode(t)
	if decodeWhole(good, DecodeLimit(int64(len(good))), false) == nil {
		t.Fatal("decodeWhole refused a good bundle")
	}
	b, err := Decode("b.tar.zst", good)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range testMembers() {
		if got, _ := b.Member(m.Name); !bytes.Equal(got, m.Data) || cap(got) != len(got) {
			t.Fatalf("member %s: %q (cap %d)", m.Name, got, cap(got))
		}
	}
	for _, tt := range corruptCases(good) {
		t.Run(tt.name, func(t *testing.T) {
			checkCorrupt(t, tt.data(t), tt.wantMember, tt.wantErr)
		})
	}
}

// A file the verify cache knows is decoded without its frame checksum (its
// bytes passed it before); any other file's checksum is checked.
func TestWholeDecodeKnownSkipsChecksum(t *testing.T) {
	defer func(m uint64) { wholeMin = m }(wholeMin)
	wholeMin = 0
	good := encode(t)
	limit := DecodeLimit(int64(len(good)))
	want := decodeWhole(good, limit, false)
	if want == nil {
		t.Fatal("decodeWhole refused a good bundle")
	}
	bad := bytes.Clone(good)
	bad[len(bad)-1] ^= 0xff // the last byte of the frame's content checksum
	if got := decodeWhole(bad, limit, false); got != nil {
		t.Fatal("decodeWhole took a frame whose checksum does not match")
	}
	if got := decodeWhole(bad, limit, true); !bytes.Equal(got, want) {
		t.Fatalf("known file: decoded %d bytes, want the %d of the good file", len(got), len(want))
	}
	if got := decodeWhole(good, limit, true); !bytes.Equal(got, want) {
		t.Fatal("known good file decoded differently")
	}
}

func corruptCases(good []byte) []corruptCase {
	return []corruptCase{
		{"not zstd", func(t *testing.T) []byte { return []byte("PK\x03\x04 this is a zip") }, "", "not a valid zstd stream"},
		{"flipped byte", func(t *testing.T) []byte {
			b := append([]byte(nil), good...)
			b[len(b)/2] ^= 0x40
			return b
		}, "", "not a valid zstd stream"},
		{"truncated file", func(t *testing.T) []byte { return good[:len(good)-20] }, "", "not a valid zstd stream"},
		{"not tar", func(t *testing.T) []byte { return compress(t, bytes.Repeat([]byte("not a tar archive "), 100)) }, "", "not a valid tar archive"},
		{"truncated tar", func(t *testing.T) []byte {
			e := goodEntries(t)
			raw := rawTar(t, e, true)
			return compress(t, raw[:512+300])
		}, ManifestMember, "truncated"},
		{"missing member", func(t *testing.T) []byte {
			e := goodEntries(t)
			return compress(t, rawTar(t, append(e[:3:3], e[4:]...), true))
		}, EventsMember, "listed in the manifest but missing from the archive"},
		{"wrong sha256", func(t *testing.T) []byte {
			e := goodEntries(t)
			e[1].data = bytes.Replace(e[1].data, []byte("JobList"), []byte("JobLisT"), 1)
			return compress(t, rawTar(t, e, true))
		}, JobsMember, "sha256"},
		{"wrong size", func(t *testing.T) []byte {
			e := goodEntries(t)
			e[2].data = append(e[2].data, ' ')
			return compress(t, rawTar(t, e, true))
		}, PodsMember, "size"},
		{"path traversal", func(t *testing.T) []byte {
			e := goodEntries(t)
			e = append(e, entry{hdr: tar.Header{Name: "../../etc/cron.d/x"}, data: []byte("boom")})
			return compress(t, rawTar(t, e, true))
		}, "../../etc/cron.d/x", "empty, . or .. element"},
		{"absolute path", func(t *testing.T) []byte {
			e := goodEntries(t)
			e = append(e, entry{hdr: tar.Header{Name: "/etc/passwd"}, data: []byte("boom")})
			return compress(t, rawTar(t, e, true))
		}, "/etc/passwd", "not a relative slash path"},
		{"symlink", func(t *testing.T) []byte {
			e := goodEntries(t)
			e = append(e, entry{hdr: tar.Header{Name: "logs/p/c.log", Typeflag: tar.TypeSymlink, Linkname: "/etc/shadow"}})
			return compress(t, rawTar(t, e, true))
		}, "logs/p/c.log", "not a regular file"},
		{"unlisted member", func(t *testing.T) []byte {
			e := goodEntries(t)
			e = append(e, entry{hdr: tar.Header{Name: "extra.json"}, data: []byte("{}")})
			return compress(t, rawTar(t, e, true))
		}, "extra.json", "not listed in the manifest"},
		{"duplicate member", func(t *testing.T) []byte {
			e := goodEntries(t)
			e = append(e, e[1])
			return compress(t, rawTar(t, e, true))
		}, JobsMember, "appears twice"},
		{"manifest not first", func(t *testing.T) []byte {
			e := goodEntries(t)
			e[0], e[1] = e[1], e[0]
			return compress(t, rawTar(t, e, true))
		}, JobsMember, "first member must be manifest.json"},
		{"manifest bad json", func(t *testing.T) []byte {
			e := goodEntries(t)
			e[0].data = []byte("{not json")
			return compress(t, rawTar(t, e, true))
		}, ManifestMember, "manifest is not valid JSON"},
		{"manifest newer format", func(t *testing.T) []byte {
			e := goodEntries(t)
			e[0].data = bytes.Replace(e[0].data, []byte(`"format_version": 1`), []byte(`"format_version": 2`), 1)
			return compress(t, rawTar(t, e, true))
		}, ManifestMember, "format_version is 2, this ksnap reads 1"},
		{"empty archive", func(t *testing.T) []byte { return compress(t, rawTar(t, nil, true)) }, ManifestMember, "missing"},
		{"oversize member", func(t *testing.T) []byte {
			e := goodEntries(t)
			raw := rawTar(t, e[:1], false)
			var buf bytes.Buffer
			buf.Write(raw)
			tw := tar.NewWriter(&buf)
			tw.WriteHeader(&tar.Header{Name: "pods.json", Typeflag: tar.TypeReg, Size: MaxMemberSize + 1, Mode: 0o600})
			tw.Flush()
			return compress(t, buf.Bytes())
		}, PodsMember, "exceeds the limit"},
	}
}

// checkCorrupt decodes data as b.tar.zst and wants one *CorruptError naming
// member, on one line, containing wantErr.
func checkCorrupt(t *testing.T, data []byte, member, wantErr string) {
	t.Helper()
	_, err := Decode("b.tar.zst", data)
	var ce *CorruptError
	if !errors.As(err, &ce) {
		t.Fatalf("err = %v (%T), want *CorruptError", err, err)
	}
	if ce.Path != "b.tar.zst" || ce.Member != member {
		t.Errorf("path %q member %q, want b.tar.zst / %q", ce.Path, ce.Member, member)
	}
	if !strings.Contains(err.Error(), wantErr) {
		t.Errorf("err = %q\nwant it to contain %q", err, wantErr)
	}
	if strings.Contains(err.Error(), "\n") {
		t.Errorf("error spans lines: %q", err)
	}
	// Verify's streaming read refuses it with the same error.
	if _, verr := verifyBytes("b.tar.zst", data); verr == nil || verr.Error() != err.Error() {
		t.Errorf("Verify: %v\nDecode: %v", verr, err)
	}
}

func verifyBytes(path string, data []byte) (*Bundle, error) {
	b, err := startDecode(path, data, false)
	if err != nil {
		return nil, err
	}
	return b, b.Wait()
}

func TestCheckMemberName(t *testing.T) {
	t.Parallel()
	ok := []string{"jobs.json", "manifest.json", "logs/pod-a/main.log", "logs/pod-a/main.previous.log", "source/jobs-jobs.yaml"}
	bad := []string{"", "/abs.json", "a/../b.json", "logs/p/../../x.log", "logs//x.log", "logs/p/c.txt", "dir/x.json", "x.yaml", `logs\p\c.log`, "./jobs.json"}
	for _, n := range ok {
		if err := CheckMemberName(n); err != nil {
			t.Errorf("CheckMemberName(%q) = %v, want nil", n, err)
		}
	}
	for _, n := range bad {
		if err := CheckMemberName(n); err == nil {
			t.Errorf("CheckMemberName(%q) = nil, want error", n)
		}
	}
}

func TestSealRejectsBadInput(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		mutate  func(m *Manifest, ms *[]Member)
		wantErr string
	}{
		{"member named by command missing", func(m *Manifest, ms *[]Member) { *ms = (*ms)[1:] }, `names member "logs/p-1/main.log", which was not given`},
		{"duplicate member", func(m *Manifest, ms *[]Member) { *ms = append(*ms, (*ms)[0]) }, "given twice"},
		{"reserved name", func(m *Manifest, ms *[]Member) { *ms = append(*ms, Member{Name: ManifestMember}) }, "reserved"},
		{"bad time", func(m *Manifest, ms *[]Member) { m.CapturedAt = "yesterday" }, "captured_at"},
		{"no namespace", func(m *Manifest, ms *[]Member) { m.Namespace = "" }, "namespace is empty"},
		{"unknown status", func(m *Manifest, ms *[]Member) { m.Commands[0].Status = "meh" }, "unknown status"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, ms := testManifest(), testMembers()
			tt.mutate(m, &ms)
			_, _, err := Seal(m, ms)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Seal err = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	if _, err := Encode(&buf, testManifest(), testMembers()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte{})
	f.Add([]byte("(\xb5/\xfd"))
	if fixtures, _ := filepath.Glob("../../fixtures/scenarios/*/*.tar.zst"); len(fixtures) > 0 {
		for _, p := range fixtures[:min(3, len(fixtures))] {
			if b, err := os.ReadFile(p); err == nil {
				f.Add(b)
			}
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		b, err := Decode("fuzz.tar.zst", data)
		// The streaming Verify accepts and refuses exactly the same input.
		if _, verr := verifyBytes("fuzz.tar.zst", data); (verr == nil) != (err == nil) || err != nil && verr.Error() != err.Error() {
			t.Fatalf("Verify: %v\nDecode: %v", verr, err)
		}
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *CorruptError", err)
			}
			return
		}
		// Whatever decodes must re-verify member by member.
		for _, mi := range b.Manifest.Members {
			d, err := b.Member(mi.Name)
			if err != nil || int64(len(d)) != mi.Size || sha256Hex(d) != mi.SHA256 {
				t.Fatalf("member %s does not match its manifest entry", mi.Name)
			}
		}
	})
}

// The frame header carries the content size (readers stream and ignore it;
// other tools use it to size their buffers).
func TestFrameCarriesContentSize(t *testing.T) {
	t.Parallel()
	data := encode(t)
	var h zstd.Header
	if err := h.Decode(data); err != nil {
		t.Fatal(err)
	}
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	raw, err := dec.DecodeAll(data, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !h.HasFCS || h.FrameContentSize != uint64(len(raw)) {
		t.Errorf("frame content size: has %v, %d; archive is %d bytes", h.HasFCS, h.FrameContentSize, len(raw))
	}
}
