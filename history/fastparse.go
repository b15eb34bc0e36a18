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
	d := load64(t, 0) ^ load64(l, 0) | load64(t, n-8) ^ load64(l, n-8)
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

// parseCanonical decodes s into r when s is in AppendJSON's exact form and
// every field is one parseInto accepts; otherwise it returns false and
// leaves r and a's contents unspecified (a's lengths are restored). The
// record's strings point into s. With a nil arena, r.Jobs' backing array is
// reused as parseInto does and Rules are allocated.
func parseCanonical(r *Record, s string, a *arena) bool {
	var own arena
	cache := a // the date cache, when the caller has an arena
	if a == nil {
		own.jobs = r.Jobs[:0]
		a = &own
	}
	j0, r0 := len(a.jobs), len(a.rules)
	*r = Record{}
	p := 0
	r.Timestamp, p = keyStr(s, p, `{"timestamp":"`)
	r.Namespace, p = keyStr(s, p, `,"namespace":"`)
	r.Selector, p = keyStr(s, p, `,"selector":"`)
	r.OverallHealth, p = keyStr(s, p, `,"overall_health":"`)
	r.JobsOK, p = keyNum(s, p, `,"jobs_ok":`)
	r.JobsWarn, p = keyNum(s, p, `,"jobs_warn":`)
	r.JobsError, p = keyNum(s, p, `,"jobs_error":`)
	p = lit(s, p, `,"raw_snapshot":null`)
	if p >= 0 && !peek(s, p, '}') {
		r.SchemaVersion, p = keyNum(s, p, `,"schema_version":`)
		r.Bundle, p = keyStr(s, p, `,"bundle":"`)
		r.BundleSHA256, p = keyStr(s, p, `,"bundle_sha256":"`)
		r.Ruleset, p = keyStr(s, p, `,"ruleset":"`)
		r.CaptureErrors, p = keyNum(s, p, `,"capture_errors":`)
		r.WarningEvents, p = keyNum(s, p, `,"warning_events":`)
		p = lit(s, p, `,"jobs":[`)
		for p >= 0 && !peek(s, p, ']') {
			if len(a.jobs) > j0 {
				p = byte1(s, p, ',')
			}
			var j Job
			j.Name, p = keyStr(s, p, `{"name":"`)
			j.Phase, p = keyStr(s, p, `,"phase":"`)
			j.Health, p = keyStr(s, p, `,"health":"`)
			p = lit(s, p, `,"rules":[`)
			rs := len(a.rules)
			for p >= 0 && !peek(s, p, ']') {
				if len(a.rules) > rs {
					p = byte1(s, p, ',')
				}
				var code string
				code, p = str(s, byte1(s, p, '"'))
				a.rules = append(a.rules, code)
			}
			p = byte1(s, p, ']')
			if n := len(a.rules); n > rs {
				j.Rules = a.rules[rs:n:n]
			}
			if peek(s, p, ',') {
				j.Owner, p = keyStr(s, p, `,"owner":"`)
			}
			p = byte1(s, p, '}')
			a.jobs = append(a.jobs, j)
		}
		p = byte1(s, p, ']')
		if r.SchemaVersion > SchemaVersion {
			p = -1
		}
	}
	p = byte1(s, p, '}')
	if p != len(s) {
		a.jobs, a.rules = a.jobs[:j0], a.rules[:r0]
		return false
	}
	t, ok := cache.parseTime(r.Timestamp)
	if !ok {
		a.jobs, a.rules = a.jobs[:j0], a.rules[:r0]
		return false
	}
	r.Time = t
	if n := len(a.jobs); n > j0 {
		r.Jobs = a.jobs[j0:n:n]
	}
	return true
}
