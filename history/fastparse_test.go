package history

import (
	"reflect"
	"strings"
	"testing"
	"time"
)

// canonicalSeeds are lines for the fast-path tests: AppendJSON's output for
// varied records, and near misses the fast path must leave to the general
// path.
func canonicalSeeds() []string {
	at := time.Date(2025, 11, 16, 10, 0, 0, 0, time.UTC)
	recs := []Record{
		sampleRecord(at, "OK"),
		sampleRecord(at, "WARN", Job{Name: "j", Phase: "FAILED", Health: "ERROR", Rules: []string{"J1", "P3"}, Owner: "o"}, Job{Name: "k", Phase: "RUNNING", Health: "OK"}),
		sampleRecord(at, "", Job{}),
		// Pod metrics (capture --metrics): the optional memory keys.
		sampleRecord(at, "WARN", Job{Name: "m", Phase: "RUNNING", Health: "WARN", Rules: []string{"M1"}, Owner: "o", MemoryPeak: 120 << 20, MemoryLimit: 128 << 20},
			Job{Name: "n", Phase: "RUNNING", Health: "OK", MemoryPeak: 20 << 20}, Job{Name: "k", Phase: "RUNNING", Health: "OK"}),
		benchRecord(7),
		{Timestamp: "2025-11-16T10:00:00", Time: at, OverallHealth: "OK", JobsOK: 3}, // schema 0: the old tool's eight keys
	}
	var out []string
	for i := range recs {
		out = append(out, string(AppendJSON(nil, &recs[i])))
	}
	line := out[1]
	out = append(out,
		seedLineOK, seedLineMicro,
		strings.Replace(line, `"jobs_ok":1`, `"jobs_ok":01`, 1),             // leading zero: invalid JSON
		strings.Replace(line, `"jobs_ok":1`, `"jobs_ok":-0`, 1),             // sign
		strings.Replace(line, `"jobs_ok":1`, `"jobs_ok":1e0`, 1),            // exponent
		strings.Replace(line, `"jobs_ok":1`, `"jobs_ok":99999999999999`, 1), // out of range
		strings.Replace(line, `"jobs_ok":1`, `"jobs_ok":1099511627777`, 1),  // just out of range
		strings.Replace(line, `"jobs_ok":1`, `"jobs_ok":1099511627776`, 1),  // just in range
		strings.Replace(line, `"schema_version":1`, `"schema_version":2`, 1),
		strings.Replace(line, `"schema_version":1`, `"schema_version":0`, 1),
		strings.Replace(line, `"namespace":"trading-bots"`, `"namespace":"tr\u00e9"`, 1),
		strings.Replace(line, `"namespace":"trading-bots"`, `"namespace":"tré"`, 1),
		strings.Replace(line, `"namespace":"trading-bots"`, `"namespace":"a\tb"`, 1),
		strings.Replace(line, `"namespace":"trading-bots"`, `"namespace":null`, 1),
		strings.Replace(line, `"raw_snapshot":null`, `"raw_snapshot":{}`, 1),
		strings.Replace(line, `"timestamp":"2025-11-16T10:00:00.000000000Z"`, `"timestamp":"2025-13-16T10:00:00Z"`, 1),
		strings.Replace(line, `"timestamp":"2025-11-16T10:00:00.000000000Z"`, `"timestamp":"2025-11-16T10:00:00+01:00"`, 1),
		strings.Replace(line, `"rules":["J1","P3"]`, `"rules":["J1",]`, 1),
		strings.Replace(line, `"rules":["J1","P3"]`, `"rules":[]`, 1),
		strings.Replace(line, `,"owner":"o"`, `,"owner":""`, 1),
		strings.Replace(line, `,"owner":"o"`, `,"extra":"o"`, 1),
		strings.Replace(line, `]}`, `],}`, 1),
		strings.Replace(line, `,"owner":"o"`, `,"memory_limit_bytes":5,"memory_peak_bytes":4`, 1), // other order: general path
		strings.Replace(line, `,"owner":"o"`, `,"owner":"o","memory_peak_bytes":-4`, 1),
		strings.Replace(line, `,"owner":"o"`, `,"memory_peak_bytes":"4"`, 1),
		strings.Replace(line, `,"owner":"o"`, `,"owner":"o","memory_peak_bytes":2199023255552`, 1), // 2 TiB: general path
		strings.Replace(line, `,"owner":"o"`, `,"memory_peak_bytes":9007199254740993`, 1),          // beyond 2^53: refused
		strings.Replace(line, `"jobs":[`, `"jobs":[,`, 1),
		strings.TrimSuffix(line, "}")+`,"cluster":"prod-eu-1"}`, // the optional last key
		strings.TrimSuffix(line, "}")+`,"cluster":"pr\u00e9"}`,  // escaped: general path
		strings.TrimSuffix(line, "}")+`,"cluster":7}`,           // wrong type
		strings.TrimSuffix(line, "}")+`,"cluster":"a","x":1}`,   // a key after it
		line+" ", line+"}", line[:len(line)-1], "{}", "", "null",
		// Found by FuzzParseCanonicalAfter: lit's word compares once
		// accepted a literal whose middle bytes differed ("^" and "|" bind
		// alike in Go), and the fast path took this for a record.
		"82tAmestamp\":\"0000-01-01T0:00:00\",2.A(gspaCa :\"0\"(A7A,eAto2\"8\"\"(BC2%rAll_health\":\"\"AB8bB1_o)\":0,08.0s_wa0n\":0aB8oA1_e0ro0\":0A2rA1Z7Bapshot\":(u(l}",
	)
	return out
}

// checkCanonical fails when the fast path accepts line with a result other
// than the general path's.
func checkCanonical(t *testing.T, line string) {
	t.Helper()
	var fast, general Record
	var a arena
	if !parseCanonical(&fast, line, &a) {
		return
	}
	if err := parseGeneral(&general, []byte(line), line); err != nil {
		t.Fatalf("fast path accepted a line the general path rejects (%v): %s", err, line)
	}
	if !reflect.DeepEqual(fast, general) {
		t.Fatalf("fast and general paths differ on %s:\n%#v\n%#v", line, fast, general)
	}
}

func TestParseCanonicalMatchesGeneral(t *testing.T) {
	t.Parallel()
	accepted := 0
	for _, line := range canonicalSeeds() {
		checkCanonical(t, line)
		var r Record
		if parseCanonical(&r, line, nil) {
			accepted++
		}
	}
	// The six AppendJSON lines, schema_version 0, the in-range counter, a
	// +01:00 offset, the empty rules and owner, the cluster key: the fast
	// path must not silently decline its own format.
	if accepted != 12 {
		t.Errorf("fast path accepted %d seed lines, want 12", accepted)
	}
}

// lit must compare every byte of the literal, whatever its length.
func TestLit(t *testing.T) {
	t.Parallel()
	for n := 8; n <= 24; n++ {
		l := strings.Repeat("abcdefghijklmnopqrstuvwxyz", 1)[:n]
		if got := lit(l+"tail", 0, l); got != n {
			t.Errorf("lit(%q) on itself = %d, want %d", l, got, n)
		}
		for i := range n {
			b := []byte(l)
			b[i] ^= 0x20
			if got := lit(string(b)+"tail", 0, l); got != -1 {
				t.Errorf("lit(%q) accepted %q (byte %d differs): %d", l, b, i, got)
			}
		}
	}
}

func TestStr(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("x", 20)
	for _, tt := range []struct {
		in     string // the bytes after the opening quote
		want   string
		wantOK bool
	}{
		{`"`, "", true}, {`abc"rest`, "abc", true}, {long + `"`, long, true}, {long + `"\` + long, long, true},
		{`~` + "\x7f" + ` !"`, "~\x7f !", true}, {long[:7] + `"` + "\x00", long[:7], true}, {long[:8] + `"é`, long[:8], true},
		{long, "", false}, {"", "", false}, {long[:17] + `\"`, "", false}, {long[:9] + "\x1f" + `"`, "", false},
		{"\x00" + long[:15] + `"`, "", false}, {long[:8] + `é"`, "", false}, {long[:15] + "\x80\"", "", false},
		{"\xff\"", "", false}, {`ab\"`, "", false}, {"a\tb\"", "", false},
	} {
		got, p := str(tt.in, 0)
		if got != tt.want || (p >= 0) != tt.wantOK || (p >= 0 && tt.in[p-1] != '"') {
			t.Errorf("str(%q) = %q, %d; want %q, %v", tt.in, got, p, tt.want, tt.wantOK)
		}
	}
}

// The arena hands out capped slices: a caller's append never writes into
// the next record's jobs.
func TestParseCanonicalArenaCapped(t *testing.T) {
	t.Parallel()
	seeds := canonicalSeeds()
	var a arena
	var r1, r2 Record
	if !parseCanonical(&r1, seeds[1], &a) || !parseCanonical(&r2, seeds[1], &a) {
		t.Fatal("declined")
	}
	want := r2.Jobs[0].Name
	_ = append(r1.Jobs, Job{Name: "clobber"})
	_ = append(r1.Jobs[0].Rules, "clobber")
	if r2.Jobs[0].Name != want || r2.Jobs[0].Rules[0] != "J1" {
		t.Fatalf("arena slices overlap: %+v", r2.Jobs)
	}
}

// One arena across many lines: the date cache must give exactly what
// ParseTimestamp gives, across days, months, leap days and bad times.
func TestArenaParseTime(t *testing.T) {
	t.Parallel()
	var a arena
	start := time.Date(2024, 2, 27, 22, 0, 0, 0, time.UTC)
	var stamps []string
	for i := range 2000 {
		stamps = append(stamps, FormatTime(start.Add(time.Duration(i)*97*time.Minute+time.Duration(i*7919)*time.Microsecond)))
	}
	stamps = append(stamps, "2024-02-28T24:00:00.000000000Z", "2024-02-28T23:60:00.000000000Z", "2024-02-28T23:00:60.000000000Z",
		"2024-02-28T23:00:00.00000000xZ", "2024-02-28T23:00:00.000000000+", "2024-02-28t23:00:00.000000000Z",
		"2024-02-28T23:00:00.000000000Z", "2024-02-30T00:00:00.000000000Z", "2024-02-28T23:00:00Z")
	for _, s := range stamps {
		got, ok := a.parseTime(s)
		want, err := ParseTimestamp(s)
		if ok != (err == nil) || !reflect.DeepEqual(got, want) {
			t.Fatalf("parseTime(%q) = %v, %v; ParseTimestamp: %v, %v", s, got, ok, want, err)
		}
	}
}

func FuzzParseCanonical(f *testing.F) {
	for _, s := range canonicalSeeds() {
		f.Add(s)
	}
	f.Fuzz(checkCanonical)
}

// checkCanonicalAfter parses prev, then line, with one arena, so that line
// meets the memos prev left: the result must still be the general path's.
func checkCanonicalAfter(t *testing.T, prev, line string) {
	t.Helper()
	var a arena
	var r, fast, general Record
	parseCanonical(&r, prev, &a)
	if !parseCanonical(&fast, line, &a) {
		return
	}
	if err := parseGeneral(&general, []byte(line), line); err != nil {
		t.Fatalf("after %s\nfast path accepted a line the general path rejects (%v): %s", prev, err, line)
	}
	if !reflect.DeepEqual(fast, general) {
		t.Fatalf("after %s\nfast and general paths differ on %s:\n%#v\n%#v", prev, line, fast, general)
	}
}

// Every pair of seeds, in both orders: a memo left by one line must never
// make the next decode differently. The seeds include lines that differ
// from a neighbour by one byte inside or just past each memoized segment.
func TestParseCanonicalMemoPairs(t *testing.T) {
	t.Parallel()
	seeds := canonicalSeeds()
	line := seeds[1]
	for _, rep := range [][2]string{
		{`"selector":"app=arbitrage-tuning"`, `"selector":"app=arbitrage-tuninG"`},
		{`"selector":"app=arbitrage-tuning"`, `"selector":"app=arbitrage-tuning-x"`},
		{`"jobs_error":0`, `"jobs_error":01`},
		{`"jobs_error":0`, `"jobs_error":0,`},
		{`"overall_health":"WARN"`, `"overall_health":"WARNING"`},
		{`"capture_errors":0`, `"capture_errors":00`},
		{`"jobs":[`, `"jobs":[{}`},
		{`"rules":["J1","P3"]`, `"rules":["J1","P3","X"]`},
		{`"rules":["J1","P3"]`, `"rules":["J1","P"]`},
		{`"owner":"o"}`, `"owner":"o"}}`},
		{`"owner":"o"}`, `"owner":"ox"}`},
		{`"name":"k"`, `"name":"k\u0041"`},
	} {
		seeds = append(seeds, strings.Replace(line, rep[0], rep[1], 1))
	}
	for _, prev := range seeds {
		for _, l := range seeds {
			checkCanonicalAfter(t, prev, l)
		}
	}
}

// A whole stream of realistic lines through one arena, as a summary's
// worker parses a block: every record equals the general path's, and the
// memos are used (the stream repeats most segments).
func TestParseCanonicalMemoStream(t *testing.T) {
	t.Parallel()
	var a arena
	for i := range 500 {
		rec := benchRecord(i)
		if i%7 == 3 {
			rec.Jobs = rec.Jobs[:2]
		}
		if i%11 == 5 {
			rec.Namespace = "other"
		}
		line := string(AppendJSON(nil, &rec))
		var fast, general Record
		a.jobs, a.rules = a.jobs[:0], a.rules[:0]
		if !parseCanonical(&fast, line, &a) {
			t.Fatalf("line %d declined: %s", i, line)
		}
		if err := parseGeneral(&general, []byte(line), line); err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(fast, general) {
			t.Fatalf("line %d: fast and general paths differ on %s:\n%#v\n%#v", i, line, fast, general)
		}
	}
	if m := a.memos; m == nil || !m.head.ok || !m.tail.ok || !m.jobs[1].ok {
		t.Fatalf("memos unused: %+v", a.memos)
	}
}

func FuzzParseCanonicalAfter(f *testing.F) {
	seeds := canonicalSeeds()
	for i := range seeds {
		f.Add(seeds[1], seeds[i])
		f.Add(seeds[i], seeds[3])
	}
	f.Fuzz(checkCanonicalAfter)
}
