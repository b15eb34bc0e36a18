package history

import (
	"math/bits"
	"strings"
	"time"
)

// This file is the fast path of parseInto: a decoder for lines in exactly
// the form AppendJSON writes (keys in its order, compact separators, plain
// ASCII strings without escapes). It accepts a strict subset of what the
// general gjson path accepts and, for every line it accepts, produces the
// same Record; anything else (old-tool lines, escapes, non-ASCII, a field
// the general path would reject, corrupt lines) makes it return false and
// the general path decides. So it never reports an error itself.
//
// It exists because Summarize reads every line of files of a million lines:
// the general path validates each line, then walks it with ForEach and
// re-scans each value (5-8 µs a line on the development machines); this
// one makes a single pass with no allocation (about 0.5 µs;
// BenchmarkParseLine).

// arena hands out the Jobs and Rules slices of many records from shared
// backing arrays, so a block of lines costs a few allocations instead of two
// per record. Slices handed out are capped (s[:n:n]) so an append by a
// caller never writes into a neighbour's elements.
type arena struct {
	jobs  []Job
	rules []string
	// day and midnight cache the date of the last timestamp in TimeLayout:
	// consecutive records mostly share it, and adding the time of day to
	// midnight is cheaper than time.Date.
	day      string // "YYYY-MM-DD", owned
	midnight time.Time
	// memos are allocated on first use: an arena on the stack (a single
	// line's parse) stays small.
	memos *memos
}

// parseTime is ParseTimestamp with the arena's date cache for timestamps
// in TimeLayout; the results are identical (time.Date and Add build the
// same UTC time.Time).
func (a *arena) parseTime(s string) (time.Time, bool) {
	if a != nil && len(s) == len(TimeLayout) && s[:10] == a.day && s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == '.' && s[29] == 'Z' {
		h, ok1 := digits(s[11:13])
		m, ok2 := digits(s[14:16])
		sec, ok3 := digits(s[17:19])
		ns, ok4 := digits(s[20:29])
		if ok1 && ok2 && ok3 && ok4 && h <= 23 && m <= 59 && sec <= 59 {
			return a.midnight.Add(time.Duration(h*3600+m*60+sec)*time.Second + time.Duration(ns)), true
		}
	}
	t, err := ParseTimestamp(s)
	if err != nil {
		return time.Time{}, false
	}
	if a != nil && len(s) == len(TimeLayout) && s[10] == 'T' && s[29] == 'Z' {
		a.day = strings.Clone(s[:10])
		a.midnight = time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	return t, true
}

// digits parses s, which must be all ASCII digits.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// load64 returns the eight bytes of s at i as a little-endian number; the
// caller guarantees i+8 <= len(s).
func load64(s string, i int) uint64 {
	w := s[i : i+8]
	return uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
		uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56
}

// The scanners below take the line s and a position p, and return the new
// position, or -1 once anything failed; a scanner given -1 returns -1, so a
// run of them needs one check at the end. Values and positions travel in
// registers: a cursor struct behind a pointer cost a third of the time.

// lit consumes the literal l, which is 8 to 24 bytes long: two or three
// word compares instead of a memequal call.
func lit(s string, p int, l string) int {
	n := len(l)
	if p < 0 || len(s)-p < n {
		return -1
	}
	t := s[p : p+n]
	d := (load64(t, 0) ^ load64(l, 0)) | (load64(t, n-8) ^ load64(l, n-8))
	if n > 16 {
		d |= load64(t, 8) ^ load64(l, 8)
	}
	if d != 0 {
		return -1
	}
	return p + n
}

// byte1 consumes the byte b.
func byte1(s string, p int, b byte) int {
	if p >= 0 && p < len(s) && s[p] == b {
		return p + 1
	}
	return -1
}

// peek reports whether the byte at p is b.
func peek(s string, p int, b byte) bool { return p >= 0 && p < len(s) && s[p] == b }

// keyStr consumes the literal l (which ends with the value's opening
// quote) and the string after it, up to and including its closing quote.
// The string may hold only bytes 0x20-0x7f other than '\\': then it is
// valid UTF-8 and valid JSON without escapes, and decodes to itself.
// Anything else fails (the general path decodes it). It looks at eight
// bytes at a time for the quote and for bad bytes together.
func keyStr(s string, p int, l string) (string, int) {
	if p = lit(s, p, l); p < 0 {
		return "", -1
	}
	return str(s, p)
}

// str consumes a string's contents and closing quote from p.
func str(s string, p int) (string, int) {
	if p < 0 {
		return "", -1
	}
	start := p
	for ; p+8 <= len(s); p += 8 {
		x := load64(s, p)
		q := x ^ (ones * '"')
		q = (q - ones) &^ q & highs // lowest set bit: the first '"'
		b := x ^ (ones * '\\')
		bad := ((b-ones)&^b | x | (x-ones*0x20)&^x) & highs // '\\', >= 0x80, < 0x20
		if q|bad == 0 {
			continue
		}
		// Bits below the first true hit of each test are exact, so a bad
		// bit below the quote's is a bad byte inside the string.
		if q == 0 || bad&(q^(q-1)) != 0 {
			return "", -1
		}
		e := p + bits.TrailingZeros64(q)/8
		return s[start:e], e + 1
	}
	for ; p < len(s); p++ {
		switch ch := s[p]; {
		case ch == '"':
			return s[start:p], p + 1
		case ch < 0x20 || ch >= 0x80 || ch == '\\':
			return "", -1
		}
	}
	return "", -1
}

// peekLit reports whether the literal l is at p.
func peekLit(s string, p int, l string) bool { return p >= 0 && strings.HasPrefix(s[p:], l) }

// keyNum consumes the literal l and a counter after it: a JSON integer
// without sign, fraction or exponent, in the range counter accepts.
func keyNum(s string, p int, l string) (int, int) {
	if p = lit(s, p, l); p < 0 {
		return 0, -1
	}
	if p >= len(s) || s[p] < '0' || s[p] > '9' || (s[p] == '0' && p+1 < len(s) && s[p+1] >= '0' && s[p+1] <= '9') {
		return 0, -1
	}
	n, start := 0, p
	for ; p < len(s) && s[p] >= '0' && s[p] <= '9'; p++ {
		if p-start >= 13 {
			return 0, -1
		}
		n = n*10 + int(s[p]-'0')
	}
	if n > 1<<40 {
		return 0, -1
	}
	return n, p
}

// span is a string's place inside a memoized segment.
type span struct{ off, n int }

func (sp span) in(s string, base int) string { return s[base+sp.off : base+sp.off+sp.n] }

// spanOf returns the span, relative to base, of the string value v that
// ends at end (the position of its closing quote).
func spanOf(v string, base, end int) span {
	return span{off: end - len(v) - base, n: len(v)}
}

// A memo remembers one segment of the last line that took the long way:
// its bytes (an owned copy) and what they decoded to, as spans and
// numbers relative to the segment's start. Consecutive history lines
// mostly repeat their namespace and selector, their counters and most of
// their jobs byte for byte; when the bytes at a segment's start equal the
// memo's, they decode to the same values at the same offsets, so one
// memory compare replaces the scan. Every segment ends in a token's last
// byte (a quote, a bracket, a brace or null), so equal bytes mean equal
// tokens. The memo is only ever filled from a segment that was fully
// checked, and it copies the bytes, so a reused read buffer cannot change
// what it vouches for.
type memo struct {
	raw []byte
	ok  bool
	s   [2]span // head: namespace, selector; level: overall_health; tail: ruleset
	n   [3]int  // level: jobs_ok, jobs_warn, jobs_error; tail: capture_errors, warning_events
}

// set makes m remember seg (copied), which decoded to spans and nums.
func (m *memo) set(seg string, spans [2]span, nums [3]int) {
	m.raw, m.ok, m.s, m.n = append(m.raw[:0], seg...), true, spans, nums
}

// jobMemo is a memo of one element of "jobs", by position.
type jobMemo struct {
	raw                        []byte
	ok                         bool
	name, phase, health, owner span
	rules                      []span
}

// hit reports whether s at p starts with m's bytes.
func hit(raw []byte, ok bool, s string, p int) bool {
	return ok && p >= 0 && len(s)-p >= len(raw) && s[p:p+len(raw)] == string(raw)
}

// memos are the arena's segment memos.
type memos struct {
	head, level, tail memo
	jobs              [8]jobMemo
}

// tsFast consumes a timestamp string in TimeLayout on the arena's cached
// day, closing quote included: parseTime's cached path checks every one of
// its 30 bytes, so no separate string scan is needed. Anything else
// returns -1 and the caller takes the long way.
func (a *arena) tsFast(s string, p int) (string, time.Time, int) {
	if a == nil || a.day == "" || p < 0 || len(s)-p < len(TimeLayout)+1 || s[p+len(TimeLayout)] != '"' || s[p:p+10] != a.day {
		return "", time.Time{}, -1
	}
	ts := s[p : p+len(TimeLayout)]
	t, ok := a.parseTime(ts)
	if !ok {
		return "", time.Time{}, -1
	}
	return ts, t, p + len(TimeLayout) + 1
}

// parseCanonical decodes s into r when s is in AppendJSON's exact form and
// every field is one parseInto accepts; otherwise it returns false and
// leaves r and a's contents unspecified (a's lengths are restored). The
// record's strings point into s. With a nil arena, r.Jobs' backing array is
// reused as parseInto does, Rules are allocated and nothing is memoized.
func parseCanonical(r *Record, s string, a *arena) bool {
	var own arena
	cache := a // the date cache and memos, when the caller has an arena
	if a == nil {
		own.jobs = r.Jobs[:0]
		a = &own
	}
	j0, r0 := len(a.jobs), len(a.rules)
	fail := func() bool {
		a.jobs, a.rules = a.jobs[:j0], a.rules[:r0]
		return false
	}
	*r = Record{}
	p := lit(s, 0, `{"timestamp":"`)
	var t time.Time
	timed := false
	if q := p; q >= 0 {
		if r.Timestamp, t, p = cache.tsFast(s, q); p >= 0 {
			timed = true
		} else {
			r.Timestamp, p = str(s, q)
		}
	}
	var m *memos
	if cache != nil {
		if cache.memos == nil {
			cache.memos = new(memos)
		}
		m = cache.memos
	}

	// head: ,"namespace":"…","selector":"…"
	if m != nil && hit(m.head.raw, m.head.ok, s, p) {
		r.Namespace, r.Selector = m.head.s[0].in(s, p), m.head.s[1].in(s, p)
		p += len(m.head.raw)
	} else {
		q := p
		r.Namespace, p = keyStr(s, p, `,"namespace":"`)
		nsEnd := p - 1
		r.Selector, p = keyStr(s, p, `,"selector":"`)
		if m != nil && p >= 0 {
			m.head.set(s[q:p], [2]span{spanOf(r.Namespace, q, nsEnd), spanOf(r.Selector, q, p-1)}, [3]int{})
		}
	}

	// level: ,"overall_health":"…","jobs_ok":N,"jobs_warn":N,"jobs_error":N,"raw_snapshot":null
	if m != nil && hit(m.level.raw, m.level.ok, s, p) {
		r.OverallHealth = m.level.s[0].in(s, p)
		r.JobsOK, r.JobsWarn, r.JobsError = m.level.n[0], m.level.n[1], m.level.n[2]
		p += len(m.level.raw)
	} else {
		q := p
		r.OverallHealth, p = keyStr(s, p, `,"overall_health":"`)
		hEnd := p - 1
		r.JobsOK, p = keyNum(s, p, `,"jobs_ok":`)
		r.JobsWarn, p = keyNum(s, p, `,"jobs_warn":`)
		r.JobsError, p = keyNum(s, p, `,"jobs_error":`)
		p = lit(s, p, `,"raw_snapshot":null`)
		if m != nil && p >= 0 {
			m.level.set(s[q:p], [2]span{spanOf(r.OverallHealth, q, hEnd)}, [3]int{r.JobsOK, r.JobsWarn, r.JobsError})
		}
	}

	if p >= 0 && !peek(s, p, '}') {
		r.SchemaVersion, p = keyNum(s, p, `,"schema_version":`)
		r.Bundle, p = keyStr(s, p, `,"bundle":"`)
		r.BundleSHA256, p = keyStr(s, p, `,"bundle_sha256":"`)

		// tail: ,"ruleset":"…","capture_errors":N,"warning_events":N,"jobs":[
		if m != nil && hit(m.tail.raw, m.tail.ok, s, p) {
			r.Ruleset = m.tail.s[0].in(s, p)
			r.CaptureErrors, r.WarningEvents = m.tail.n[0], m.tail.n[1]
			p += len(m.tail.raw)
		} else {
			q := p
			r.Ruleset, p = keyStr(s, p, `,"ruleset":"`)
			rsEnd := p - 1
			r.CaptureErrors, p = keyNum(s, p, `,"capture_errors":`)
			r.WarningEvents, p = keyNum(s, p, `,"warning_events":`)
			p = lit(s, p, `,"jobs":[`)
			if m != nil && p >= 0 {
				m.tail.set(s[q:p], [2]span{spanOf(r.Ruleset, q, rsEnd)}, [3]int{r.CaptureErrors, r.WarningEvents})
			}
		}
		for k := 0; p >= 0 && !peek(s, p, ']'); k++ {
			if k > 0 {
				p = byte1(s, p, ',')
			}
			var jm *jobMemo
			if m != nil && k < len(m.jobs) {
				jm = &m.jobs[k]
			}
			var j Job
			if jm != nil && hit(jm.raw, jm.ok, s, p) {
				j = Job{Name: jm.name.in(s, p), Phase: jm.phase.in(s, p), Health: jm.health.in(s, p), Owner: jm.owner.in(s, p)}
				if len(jm.rules) > 0 {
					rs := len(a.rules)
					for _, sp := range jm.rules {
						a.rules = append(a.rules, sp.in(s, p))
					}
					n := len(a.rules)
					j.Rules = a.rules[rs:n:n]
				}
				p += len(jm.raw)
				a.jobs = append(a.jobs, j)
				continue
			}
			q := p
			j.Name, p = keyStr(s, p, `{"name":"`)
			nameEnd := p - 1
			j.Phase, p = keyStr(s, p, `,"phase":"`)
			phaseEnd := p - 1
			j.Health, p = keyStr(s, p, `,"health":"`)
			healthEnd := p - 1
			p = lit(s, p, `,"rules":[`)
			rs := len(a.rules)
			var ruleEnds [8]int
			for p >= 0 && !peek(s, p, ']') {
				if len(a.rules) > rs {
					p = byte1(s, p, ',')
				}
				var code string
				code, p = str(s, byte1(s, p, '"'))
				if i := len(a.rules) - rs; i < len(ruleEnds) {
					ruleEnds[i] = p - 1
				}
				a.rules = append(a.rules, code)
			}
			p = byte1(s, p, ']')
			if n := len(a.rules); n > rs {
				j.Rules = a.rules[rs:n:n]
			}
			ownerEnd := p
			if peek(s, p, ',') && !peekLit(s, p, `,"memory_`) {
				j.Owner, p = keyStr(s, p, `,"owner":"`)
				ownerEnd = p - 1
			}
			// Pod metrics (optional, in this order); such jobs are not memoized.
			mem := false
			if peekLit(s, p, `,"memory_peak_bytes":`) {
				j.MemoryPeak, p = keyNum(s, p, `,"memory_peak_bytes":`)
				mem = true
			}
			if peekLit(s, p, `,"memory_limit_bytes":`) {
				j.MemoryLimit, p = keyNum(s, p, `,"memory_limit_bytes":`)
				mem = true
			}
			p = byte1(s, p, '}')
			a.jobs = append(a.jobs, j)
			if jm != nil && p >= 0 && !mem && len(j.Rules) <= len(ruleEnds) {
				jm.raw, jm.ok = append(jm.raw[:0], s[q:p]...), true
				jm.name, jm.phase, jm.health = spanOf(j.Name, q, nameEnd), spanOf(j.Phase, q, phaseEnd), spanOf(j.Health, q, healthEnd)
				jm.owner = spanOf(j.Owner, q, ownerEnd)
				jm.rules = jm.rules[:0]
				for i, code := range j.Rules {
					jm.rules = append(jm.rules, spanOf(code, q, ruleEnds[i]))
				}
			}
		}
		p = byte1(s, p, ']')
		if peek(s, p, ',') {
			r.Cluster, p = keyStr(s, p, `,"cluster":"`)
		}
		if r.SchemaVersion > SchemaVersion {
			p = -1
		}
	}
	p = byte1(s, p, '}')
	if p != len(s) {
		return fail()
	}
	if !timed {
		var ok bool
		if t, ok = cache.parseTime(r.Timestamp); !ok {
			return fail()
		}
	}
	r.Time = t
	if n := len(a.jobs); n > j0 {
		r.Jobs = a.jobs[j0:n:n]
	}
	return true
}
