package parse

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/ksnap/ksnap/internal/jsonlimit"
	"github.com/tidwall/gjson"
)

// The walker validates and reads a document in one pass: object and array
// walks check the JSON grammar and hand each member's start offset to a
// callback, which either descends (returning the offset after the value) or
// skips it. Skipping validates too, so every byte is scanned exactly once and
// no separate validation pass (gjson.Valid) runs first. gjson's ForEach would
// first find the end of every value and then scan it again when descending,
// so a deep, large field such as metadata.managedFields would be scanned once
// per nesting level. Scalars become gjson.Result values, so the field readers
// use gjson's types and unescaping.
//
// The accepted language is exactly gjson.Valid's (RFC 8259 JSON; strings
// are not checked for valid UTF-8): FuzzParse compares the two. Invalid
// input makes the walker panic with errSyntax, which items recovers and
// turns into the member's *MemberError; the panic never leaves the package.
// Callbacks must return the offset after a value they consumed with value,
// skip, object or array (so that it was validated), or an offset not past
// the value's start to have it skipped.

// syntaxPanic is the panic value of invalid JSON.
type syntaxPanic struct{}

// errSyntax aborts the walk: the document is not valid JSON.
func errSyntax() { panic(syntaxPanic{}) }

// limitPanic is the panic value of a document past a jsonlimit limit (a
// value nested deeper than jsonlimit.MaxDepth inside a skipped value, or a
// string read longer than jsonlimit.MaxString); items turns it into the
// member's *MemberError.
type limitPanic struct{ err *jsonlimit.Error }

func errLimit(at int, err error, limit int) {
	panic(limitPanic{&jsonlimit.Error{Offset: int64(at), Err: err, Limit: limit}})
}

// checkString refuses a string read (not skipped) that is longer than
// jsonlimit.MaxString: it would be copied into models and every report.
func checkString(start, end int) {
	if end-start-2 > jsonlimit.MaxString {
		errLimit(start, jsonlimit.ErrStringLong, jsonlimit.MaxString)
	}
}

// Bit tricks over 8 bytes at a time (see "Bit Twiddling Hacks", "Determine
// if a word has a byte less than n"). The lowest flagged byte is always a
// true match; bytes above it may be false positives, so only the lowest is
// used.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// load64 reads s[i:i+8] as a little-endian word; the compiler merges the
// byte loads into one.
func load64(s string, i int) uint64 {
	s = s[i : i+8]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}

// stringStop flags the bytes that end a run of plain string content: '"',
// '\\' and control characters (< 0x20).
func stringStop(x uint64) uint64 {
	q := x ^ ('"' * ones)
	b := x ^ ('\\' * ones)
	return (((q - ones) &^ q) | ((b - ones) &^ b) | ((x - ' '*ones) &^ x)) & highs
}

// ws returns the offset of the first non-whitespace byte at or after i.
// It is small enough to inline: most calls find no whitespace at all.
func ws(s string, i int) int {
	if i < len(s) && s[i] > ' ' {
		return i
	}
	return wsMore(s, i)
}

// wsMore is ws past its first byte. Indentation, long runs of spaces after
// a newline, is read a word at a time.
func wsMore(s string, i int) int {
	for i < len(s) {
		switch s[i] {
		case ' ', '\t', '\r':
			i++
		case '\n':
			i++
			for i+8 <= len(s) {
				if x := load64(s, i) ^ (' ' * ones); x != 0 {
					i += bits.TrailingZeros64(x) >> 3
					break
				}
				i += 8
			}
		default:
			return i
		}
	}
	return i
}

func isHex(c byte) bool { return c-'0' < 10 || (c|0x20)-'a' < 6 }

// skipString validates the string starting at s[i] == '"' and returns the
// offset after it and whether it holds an escape.
func skipString(s string, i int) (int, bool) {
	i++
	esc := false
	for {
		for i+8 <= len(s) {
			if m := stringStop(load64(s, i)); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				goto special
			}
			i += 8
		}
		for i < len(s) && s[i] != '"' && s[i] != '\\' && s[i] >= ' ' {
			i++
		}
		if i >= len(s) {
			errSyntax()
		}
	special:
		switch c := s[i]; {
		case c == '"':
			return i + 1, esc
		case c == '\\':
			esc = true
			if i+1 >= len(s) {
				errSyntax()
			}
			switch s[i+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				i += 2
			case 'u':
				if i+6 > len(s) || !isHex(s[i+2]) || !isHex(s[i+3]) || !isHex(s[i+4]) || !isHex(s[i+5]) {
					errSyntax()
				}
				i += 6
			default:
				errSyntax()
			}
		default: // a control character
			errSyntax()
		}
	}
}

func isDigit(c byte) bool { return c-'0' < 10 }

// skipNumber validates the number starting at s[i] and returns the offset
// after it. Like gjson it reads the longest valid prefix; what follows is
// checked by the caller (a comma, a closing bracket or whitespace).
func skipNumber(s string, i int) int {
	if s[i] == '-' {
		i++
	}
	switch {
	case i >= len(s) || !isDigit(s[i]):
		errSyntax()
	case s[i] == '0':
		i++
	default:
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		if i >= len(s) || !isDigit(s[i]) {
			errSyntax()
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			errSyntax()
		}
		for i < len(s) && isDigit(s[i]) {
			i++
		}
	}
	return i
}

// skipLiteral validates true, false or null at s[i].
func skipLiteral(s string, i int) int {
	var lit string
	switch s[i] {
	case 't':
		lit = "true"
	case 'f':
		lit = "false"
	case 'n':
		lit = "null"
	default:
		errSyntax()
	}
	if !strings.HasPrefix(s[i:], lit) {
		errSyntax()
	}
	return i + len(lit)
}

// skipScalar validates the scalar at s[i].
func skipScalar(s string, i int) int {
	switch c := s[i]; {
	case c == '"':
		e, _ := skipString(s, i)
		return e
	case c == '-' || isDigit(c):
		return skipNumber(s, i)
	}
	return skipLiteral(s, i)
}

// skip validates the value starting at s[i] and returns the offset after it.
// Objects and arrays are walked iteratively, with a stack of closing
// brackets, so deep nesting costs no recursion.
func skip(s string, i int) int {
	if i >= len(s) {
		errSyntax()
	}
	if c := s[i]; c != '{' && c != '[' {
		return skipScalar(s, i)
	}
	var stackBuf [64]byte
	stack := stackBuf[:0]
	for {
		// A value starts at s[i] (whitespace already skipped).
		if i >= len(s) {
			errSyntax()
		}
		switch s[i] {
		case '{':
			i = ws(s, i+1)
			if i < len(s) && s[i] == '}' {
				i++
				break
			}
			if len(stack) == jsonlimit.MaxDepth {
				errLimit(i, jsonlimit.ErrTooDeep, jsonlimit.MaxDepth)
			}
			stack = append(stack, '}')
			i = member(s, i)
			continue
		case '[':
			i = ws(s, i+1)
			if i < len(s) && s[i] == ']' {
				i++
				break
			}
			if len(stack) == jsonlimit.MaxDepth {
				errLimit(i, jsonlimit.ErrTooDeep, jsonlimit.MaxDepth)
			}
			stack = append(stack, ']')
			continue
		default:
			i = skipScalar(s, i)
		}
		// After a value: close containers until one continues with a comma.
		for {
			if len(stack) == 0 {
				return i
			}
			i = ws(s, i)
			if i >= len(s) {
				errSyntax()
			}
			top := stack[len(stack)-1]
			if s[i] == top {
				stack = stack[:len(stack)-1]
				i++
				continue
			}
			if s[i] != ',' {
				errSyntax()
			}
			i = ws(s, i+1)
			if top == '}' {
				i = member(s, i)
			}
			break
		}
	}
}

// member validates an object member's key and colon at s[i] and returns the
// offset of its value.
func member(s string, i int) int {
	if i >= len(s) || s[i] != '"' {
		errSyntax()
	}
	i, _ = skipString(s, i)
	i = ws(s, i)
	if i >= len(s) || s[i] != ':' {
		errSyntax()
	}
	return ws(s, i+1)
}

// value validates and reads the value at s[i]: scalars fully, objects and
// arrays as raw JSON (skipping them; use object/array to descend instead).
func value(s string, i int) (gjson.Result, int) {
	if i >= len(s) {
		errSyntax()
	}
	switch c := s[i]; c {
	case '"':
		e, esc := skipString(s, i)
		checkString(i, e)
		raw := s[i:e]
		r := gjson.Result{Type: gjson.String, Raw: raw, Index: i}
		if esc {
			r.Str = gjson.Parse(raw).Str
		} else {
			r.Str = raw[1 : len(raw)-1]
		}
		return r, e
	case '{', '[':
		e := skip(s, i)
		return gjson.Result{Type: gjson.JSON, Raw: s[i:e], Index: i}, e
	case 't':
		return gjson.Result{Type: gjson.True, Raw: "true", Index: i}, skipLiteral(s, i)
	case 'f':
		return gjson.Result{Type: gjson.False, Raw: "false", Index: i}, skipLiteral(s, i)
	case 'n':
		return gjson.Result{Type: gjson.Null, Raw: "null", Index: i}, skipLiteral(s, i)
	}
	e := skipNumber(s, i)
	raw := s[i:e]
	r := gjson.Result{Type: gjson.Number, Raw: raw, Index: i}
	if strings.ContainsAny(raw, ".eE") {
		r.Num, _ = strconv.ParseFloat(raw, 64)
	} else if n, err := strconv.ParseInt(raw, 10, 64); err == nil {
		r.Num = float64(n)
	}
	return r, e
}

// next checks what follows a value inside a container: whitespace, then a
// comma (it returns the offset after it and false) or the closing bracket
// (the offset after it and true).
func next(s string, i int, closing byte) (int, bool) {
	i = ws(s, i)
	if i >= len(s) {
		errSyntax()
	}
	switch s[i] {
	case ',':
		return ws(s, i+1), false
	case closing:
		return i + 1, true
	}
	errSyntax()
	return 0, false
}

// object walks the object at s[i] == '{', calling fn with each key and the
// offset of its value; fn returns the offset after the value. It returns
// the offset after the closing brace.
func object(s string, i int, fn func(key string, i int) int) int {
	i = ws(s, i+1)
	if i < len(s) && s[i] == '}' {
		return i + 1
	}
	for {
		if i >= len(s) || s[i] != '"' {
			errSyntax()
		}
		start := i
		end, esc := skipString(s, i)
		checkString(start, end)
		var key string
		if esc {
			key = gjson.Parse(s[start:end]).Str
		} else {
			key = s[start+1 : end-1]
		}
		i = ws(s, end)
		if i >= len(s) || s[i] != ':' {
			errSyntax()
		}
		v := ws(s, i+1)
		if v >= len(s) {
			errSyntax()
		}
		if i = fn(key, v); i <= v {
			i = skip(s, v) // never loop on a callback that did not advance
		}
		var done bool
		if i, done = next(s, i, '}'); done {
			return i
		}
	}
}

// array walks the array at s[i] == '[' like object, with element indexes.
func array(s string, i int, fn func(n, i int) int) int {
	i = ws(s, i+1)
	if i < len(s) && s[i] == ']' {
		return i + 1
	}
	for n := 0; ; n++ {
		v := i
		if v >= len(s) {
			errSyntax()
		}
		if i = fn(n, v); i <= v {
			i = skip(s, v)
		}
		var done bool
		if i, done = next(s, i, ']'); done {
			return i
		}
	}
}
