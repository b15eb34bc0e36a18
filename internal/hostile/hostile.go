// Package hostile builds ksnap's attack corpus (issue 19): bundles and
// files crafted to exhaust memory, time or the stack, to lie, or to smuggle
// data past the reader, each with the documented error ksnap must give.
// Every input is generated (nothing large is committed) and deterministic;
// each file is under 10 MB, whatever it decompresses to. It is test
// support: production code must not import it. scripts/make-hostile
// writes the corpus to a directory; testdata/hostile/README.md lists it.
package hostile

import (
	"archive/tar"
	"bytes"
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/klauspost/compress/zstd"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/gen"
)

// Case is one input of the corpus.
type Case struct {
	// Name is the file name in the corpus directory.
	Name string
	// What says what the input attacks.
	What string
	// Data builds the file's bytes; nil for a special file (Special). It
	// is a function so that listing the corpus allocates nothing: a test
	// measuring child processes' peak RSS must stay small itself.
	Data func() []byte
	// Special is "fifo", "devzero" (a symlink to /dev/zero), "dir" or
	// "fifo-link" (a symlink to a FIFO) for inputs that are not regular files.
	Special string
	// Verify is the documented outcome of "ksnap bundle verify FILE": ""
	// when it verifies, else the error text after "FAIL FILE: ".
	Verify string
	// Analyze is the documented stderr of "ksnap analyze -o junit FILE"
	// after "ksnap: FILE: " (exit 3); "" when the bundle is analyzed (the
	// content cases, whose verdicts and output goldens belong to the
	// analyzer and the renderers).
	Analyze string
	// Diagnostic, for a bundle that is analyzed, is the start of the one
	// stderr line (after "ksnap: FILE: ") naming the member it could not
	// read.
	Diagnostic string
}

var capturedAt = time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC)

// base is a small valid bundle to start from: its manifest and members.
func base() *gen.Bundle {
	return gen.Generate(gen.Options{Pods: 3, Namespace: "hostile", CapturedAt: capturedAt})
}

// encode seals and encodes a bundle with the real writer.
func encode(m *bundle.Manifest, ms []bundle.Member) []byte {
	var buf bytes.Buffer
	if _, err := bundle.Encode(&buf, m, ms); err != nil {
		panic(fmt.Sprintf("hostile: %v", err))
	}
	return buf.Bytes()
}

// withMember is the base bundle with one member replaced (or added), sealed
// honestly: the manifest's sizes and sha256s match.
func withMember(name string, data []byte) []byte {
	g := base()
	ms := append([]bundle.Member(nil), g.Members...)
	found := false
	for i := range ms {
		if ms[i].Name == name {
			ms[i].Data, found = data, true
		}
	}
	if !found {
		ms = append(ms, bundle.Member{Name: name, Data: data})
	}
	return encode(g.Manifest, ms)
}

// tarOf is the uncompressed archive of the base bundle, optionally without
// its end-of-archive marker, and with its manifest edited by edit.
func tarOf(close bool, edit func(m *bundle.Manifest)) []byte {
	g := base()
	manifest, sorted, err := bundle.Seal(g.Manifest, g.Members)
	if err != nil {
		panic(err)
	}
	if edit != nil {
		m, err := bundle.UnmarshalManifest(manifest)
		if err != nil {
			panic(err)
		}
		edit(m)
		if manifest, err = bundle.MarshalManifest(m); err != nil {
			panic(err)
		}
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	put := func(name string, data []byte) {
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: int64(len(data)), Mode: 0o600, ModTime: capturedAt})
		tw.Write(data)
	}
	put(bundle.ManifestMember, manifest)
	for _, m := range sorted {
		put(m.Name, m.Data)
	}
	if close {
		tw.Close()
	} else {
		tw.Flush()
	}
	return buf.Bytes()
}

// header is a tar header block (with its checksum) for a regular member.
func header(name string, size int64) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: name, Size: size, Mode: 0o600, ModTime: capturedAt})
	return buf.Bytes()[:512]
}

// frame builds a zstd frame by hand: no content size in the header, no
// checksum, raw and RLE blocks. RLE blocks let a file of a few KB claim
// gigabytes, the way a crafted bomb does.
type frame struct{ b []byte }

func newFrame() *frame {
	f := &frame{}
	f.b = binary.LittleEndian.AppendUint32(f.b, 0xFD2FB528)
	// Frame header descriptor: no content size, not single segment, no
	// checksum, no dictionary; then an 8 MiB window (exponent 13).
	f.b = append(f.b, 0x00, 13<<3)
	return f
}

const maxBlock = 128 << 10

func (f *frame) block(typ byte, size int, last bool) {
	h := uint32(size)<<3 | uint32(typ)<<1
	if last {
		h |= 1
	}
	f.b = append(f.b, byte(h), byte(h>>8), byte(h>>16))
}

// raw appends p as raw blocks.
func (f *frame) raw(p []byte) *frame {
	for len(p) > 0 {
		n := min(len(p), maxBlock)
		f.block(0, n, false)
		f.b = append(f.b, p[:n]...)
		p = p[n:]
	}
	return f
}

// rle appends n copies of c as RLE blocks (4 bytes per 128 KiB).
func (f *frame) rle(c byte, n int64) *frame {
	for n > 0 {
		k := min(n, maxBlock)
		f.block(1, int(k), false)
		f.b = append(f.b, c)
		n -= k
	}
	return f
}

// done ends the frame with an empty last block.
func (f *frame) done() []byte {
	f.block(0, 0, true)
	return f.b
}

// compress is zstd with the content size in the header (EncodeAll).
func compress(p []byte) []byte {
	enc, _ := zstd.NewWriter(nil)
	defer enc.Close()
	return enc.EncodeAll(p, nil)
}

// manifestWith is the base bundle with its manifest edited by fn after
// sealing (so only fn's edit lies).
func manifestWith(fn func(m *bundle.Manifest)) []byte { return compress(tarOf(true, fn)) }

// jobsWithName is a jobs.json whose one Job has the given raw JSON name.
func jobsWithName(rawName string) []byte {
	return []byte(`{"apiVersion":"v1","kind":"List","items":[{"apiVersion":"batch/v1","kind":"Job","metadata":{"name":` + rawName +
		`,"namespace":"hostile","uid":"u1","creationTimestamp":"2025-11-16T09:00:00Z"},"spec":{"completions":1,"backoffLimit":0},` +
		`"status":{"failed":1,"conditions":[{"type":"Failed","status":"True","reason":"BackoffLimitExceeded","message":` + rawName + `}]}}]}`)
}

// Cases returns the corpus, in a fixed order.
func Cases() []Case {
	good := tarOf(true, nil)
	open := tarOf(false, nil)
	evil := func() []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		data := []byte(`{"kind":"List","items":[]}`)
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: bundle.JobsMember, Size: int64(len(data)), Mode: 0o600})
		tw.Write(data)
		tw.Close()
		return buf.Bytes()
	}()
	// 2 GB of a Job name, with a manifest that claims the member: the
	// decode limit refuses it long before a hash could.
	bigName := func(n int64) []byte {
		g := base()
		g.Manifest.Members = nil
		pre := []byte(`{"kind":"List","items":[{"kind":"Job","metadata":{"name":"`)
		post := []byte(`"}}]}`)
		size := int64(len(pre)) + n + int64(len(post))
		var ms []bundle.Member
		for _, m := range g.Members {
			if m.Name != bundle.JobsMember {
				ms = append(ms, m)
			}
		}
		ms = append(ms, bundle.Member{Name: bundle.JobsMember, Data: []byte("x")})
		manifest, _, err := bundle.Seal(g.Manifest, ms)
		if err != nil {
			panic(err)
		}
		manifest = bytes.Replace(manifest, []byte(`"size": 1,`), []byte(fmt.Sprintf(`"size": %d,`, size)), -1)
		var t bytes.Buffer
		tw := tar.NewWriter(&t)
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: bundle.ManifestMember, Size: int64(len(manifest)), Mode: 0o600, ModTime: capturedAt})
		tw.Write(manifest)
		tw.Flush()
		f := newFrame().raw(t.Bytes()).raw(header(bundle.JobsMember, size)).raw(pre).rle('j', n).raw(post)
		return f.rle(0, int64((512-size%512)%512)+1024).done()
	}
	tooMany := func() []byte {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		m, _ := bundle.MarshalManifest(base().Manifest)
		tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: bundle.ManifestMember, Size: int64(len(m)), Mode: 0o600})
		tw.Write(m)
		for i := range bundle.MaxMembers {
			tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: fmt.Sprintf("logs/p/c%06d.log", i), Mode: 0o600})
		}
		tw.Close()
		return compress(buf.Bytes())
	}
	return []Case{
		{Name: "zstd-bomb-nofcs.tar.zst", What: "a 1 MB frame without content size claiming 32 GB of zeros after a valid archive",
			Data:    func() []byte { return newFrame().raw(good).rle(0, 250_000*maxBlock).done() },
			Verify:  "zero padding after the end of the tar archive of 1048577 exceeds the limit of 1048576",
			Analyze: "zero padding after the end of the tar archive of 1048577 exceeds the limit of 1048576"},
		{Name: "zstd-bomb-member.tar.zst", What: "a frame without content size whose member header claims 900 MiB of 'x'",
			Data: func() []byte {
				return newFrame().raw(open).raw(header("logs/p/c.log", 900<<20)).rle('x', 900<<20).done()
			},
			Verify:  "member logs/p/c.log: decompressed size (",
			Analyze: "member logs/p/c.log: decompressed size ("},
		{Name: "zstd-bomb-fcs.tar.zst", What: "a frame whose header claims 8 GiB of content",
			Data: func() []byte {
				return func() []byte {
					f := []byte{0x28, 0xB5, 0x2F, 0xFD, 0xC0} // single segment, 8-byte content size
					f = binary.LittleEndian.AppendUint64(f, 8<<30)
					fr := &frame{b: f}
					return fr.raw(good).done()
				}()
			},
			Verify:  "not a valid zstd stream: window size exceeded",
			Analyze: "not a valid zstd stream: window size exceeded"},
		{Name: "job-name-2gb.tar.zst", What: "a 2 GB Job name in 60 KB, manifest claiming it",
			Data:    func() []byte { return bigName(2 << 30) },
			Verify:  "member manifest.json: members[0]: size 2147483711 is not between 0 and 1073741824",
			Analyze: "member manifest.json: members[0]: size 2147483711 is not between 0 and 1073741824"},
		{Name: "job-name-28mb.tar.zst", What: "a 28 MiB Job name (and message) that fits the decode limit: the parser's string limit refuses it",
			Data:       func() []byte { return withMember(bundle.JobsMember, jobsWithName(`"`+strings.Repeat("j", 28<<20)+`"`)) },
			Diagnostic: "member jobs.json: a JSON string at byte 99 is longer than 2097152 bytes"},
		{Name: "tar-bomb-members.tar.zst", What: "100,001 empty members",
			Data:    func() []byte { return tooMany() },
			Verify:  "member count of 100001 exceeds the limit of 100000",
			Analyze: "member count of 100001 exceeds the limit of 100000"},
		{Name: "deep-json.tar.zst", What: "pods.json is 8 MiB of '['",
			Data:       func() []byte { return withMember(bundle.PodsMember, bytes.Repeat([]byte("["), 8<<20)) },
			Diagnostic: "member pods.json: JSON nests deeper than 512 levels at byte 514"},
		{Name: "deep-manifest.tar.zst", What: "manifest.json is 8 MiB of '['",
			Data: func() []byte {
				return func() []byte {
					var buf bytes.Buffer
					tw := tar.NewWriter(&buf)
					d := bytes.Repeat([]byte("["), 8<<20)
					tw.WriteHeader(&tar.Header{Typeflag: tar.TypeReg, Name: bundle.ManifestMember, Size: int64(len(d)), Mode: 0o600})
					tw.Write(d)
					tw.Close()
					return compress(buf.Bytes())
				}()
			},
			Verify:  "member manifest.json: manifest is not valid JSON of format v1: invalid character '[' exceeded max depth",
			Analyze: "member manifest.json: manifest is not valid JSON of format v1: invalid character '[' exceeded max depth"},
		{Name: "control-chars.tar.zst", What: "ESC, BEL, NUL, CR and newlines (a forged report line) in Job names and messages (item 7's fixture)",
			Data: func() []byte {
				return withMember(bundle.JobsMember, jobsWithName(`"evil\u001b[2J\u0007\u0000\r\nOverall Health: OK"`))
			}},
		{Name: "invalid-utf8.tar.zst", What: "invalid UTF-8 bytes in a Job name",
			Data: func() []byte { return withMember(bundle.JobsMember, jobsWithName("\"bad-\xff\xfe-\xc3\x28\"")) }},
		{Name: "duplicate-keys.tar.zst", What: "duplicate keys and a number out of float range (1e400)",
			Data: func() []byte {
				return withMember(bundle.JobsMember, []byte(`{"kind":"List","items":[{"kind":"Job","metadata":{"name":"a","name":"b","creationTimestamp":"2025-11-16T09:00:00Z"},"spec":{"completions":1e400},"status":{"succeeded":1e400}}]}`))
			}},
		{Name: "second-archive.tar.zst", What: "a second tar archive appended (tar -i would extract it over jobs.json)",
			Data:    func() []byte { return compress(append(append([]byte(nil), good...), evil...)) },
			Verify:  "trailing data after the end of the tar archive (a non-zero byte at offset ",
			Analyze: "trailing data after the end of the tar archive (a non-zero byte at offset "},
		{Name: "second-frame.tar.zst", What: "a second zstd frame holding a second archive",
			Data:    func() []byte { return append(compress(good), compress(evil)...) },
			Verify:  "trailing data after the end of the tar archive (a non-zero byte at offset ",
			Analyze: "trailing data after the end of the tar archive (a non-zero byte at offset "},
		{Name: "no-end-marker.tar.zst", What: "the tar end-of-archive marker is missing (a cut at a member boundary)",
			Data:    func() []byte { return compress(open) },
			Verify:  "truncated: the tar end-of-archive marker is missing",
			Analyze: "truncated: the tar end-of-archive marker is missing"},
		{Name: "kinds-swapped.tar.zst", What: "the manifest swaps the jobs and pods commands",
			Data: func() []byte {
				return manifestWith(func(m *bundle.Manifest) {
					for i := range m.Commands {
						switch m.Commands[i].Kind {
						case bundle.KindJobs:
							m.Commands[i].Kind = bundle.KindPods
						case bundle.KindPods:
							m.Commands[i].Kind = bundle.KindJobs
						}
					}
				})
			},
			Verify:  `member manifest.json: commands[0]: kind pods with member "jobs.json", want "pods.json"`,
			Analyze: `member manifest.json: commands[0]: kind pods with member "jobs.json", want "pods.json"`},
		{Name: "short-sha.tar.zst", What: "a command without member but with a short sha256 (bundle ls panicked on it)",
			Data: func() []byte {
				return manifestWith(func(m *bundle.Manifest) {
					m.Commands = append(m.Commands, bundle.Command{Kind: bundle.KindLog, Pod: "p", Container: "c", Argv: []string{}, Status: bundle.StatusFailed, SHA256: "abc"})
				})
			},
			Verify:  `member manifest.json: commands[`,
			Analyze: `member manifest.json: commands[`},
		{Name: "lying-size.tar.zst", What: "the manifest says jobs.json is 1 TB",
			Data: func() []byte {
				return manifestWith(func(m *bundle.Manifest) {
					for i := range m.Members {
						if m.Members[i].Name == bundle.JobsMember {
							m.Members[i].Size = 1 << 40
						}
					}
				})
			},
			Verify:  "member manifest.json: members[0]: size 1099511627776 is not between 0 and 1073741824",
			Analyze: "member manifest.json: members[0]: size 1099511627776 is not between 0 and 1073741824"},
		{Name: "escaping-namespace.tar.zst", What: "the manifest's namespace is a path",
			Data:    func() []byte { return manifestWith(func(m *bundle.Manifest) { m.Namespace = "x/../../../ESCAPED" }) },
			Verify:  `member manifest.json: namespace "x/../../../ESCAPED" is not a valid namespace name`,
			Analyze: `member manifest.json: namespace "x/../../../ESCAPED" is not a valid namespace name`},
		{Name: "garbage.tar.zst", What: "1 MB that is not zstd",
			Data:    func() []byte { return bytes.Repeat([]byte("garbage!"), 128<<10) },
			Verify:  "not a valid zstd stream: invalid input: magic number mismatch",
			Analyze: "not a valid zstd stream: invalid input: magic number mismatch"},
		{Name: "fifo.tar.zst", What: "a FIFO (blocked forever)", Special: "fifo",
			Verify: "not a regular file (a FIFO)", Analyze: "not a regular file (a FIFO)"},
		{Name: "devzero.tar.zst", What: "a symlink to /dev/zero (grew without bound)", Special: "devzero",
			Verify: "not a regular file (a character device)", Analyze: "not a regular file (a character device)"},
		{Name: "dir.tar.zst", What: "a directory named like a bundle (analyze takes it as a directory of bundles)", Special: "dir",
			Verify: "not a regular file (a directory)", Analyze: "no *.tar.zst bundle in this directory (see --help)"},
	}
}

// Write writes the corpus into dir (created) and returns the paths in
// Cases order. Special files are made as such.
func Write(dir string) ([]string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	var out []string
	for _, c := range Cases() {
		p := filepath.Join(dir, c.Name)
		os.RemoveAll(p)
		var err error
		switch c.Special {
		case "":
			err = os.WriteFile(p, c.Data(), 0o600)
		case "fifo":
			err = syscall.Mkfifo(p, 0o600)
		case "devzero":
			err = os.Symlink("/dev/zero", p)
		case "dir":
			err = os.Mkdir(p, 0o700)
		default:
			err = fmt.Errorf("unknown special %q", c.Special)
		}
		if err != nil {
			return nil, fmt.Errorf("hostile: %s: %w", c.Name, err)
		}
		out = append(out, p)
	}
	return out, nil
}
