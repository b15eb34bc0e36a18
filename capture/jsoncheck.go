package capture

import (
	"encoding/binary"
	"math/bits"

	"github.com/ksnap/ksnap/internal/jsonlimit"
)

// jsonCheck is checkJSON for a document that arrives in pieces (a kubectl
// stdout streamed to a spill file), in one pass over each byte and in
// memory that does not grow with the document: first jsonlimit's limits
// (depth, string length; the same first *jsonlimit.Error as
// jsonlimit.CheckLimits on the whole), then gjson.ValidBytes's grammar
// (RFC 8259 values, whitespace space, tab, CR and LF around tokens,
// strings of any byte from 0x20 up with the JSON escapes, no UTF-8 check).
//
// While the document is valid so far, the validator's own depth and string
// boundaries are exactly jsonlimit's, so it checks the limits itself. At
// the first syntax error it hands the rest to a jsonlimit.ResumeStream
// (CheckLimits keeps counting brackets and strings in invalid JSON, and a
// limit passed later still comes first in checkJSON's verdict).
// Differential tests and a fuzz target hold it to checkJSON.
type jsonCheck struct {
	maxDepth, maxString int
	off                 int64 // offset of the next byte written
	state               vstate
	depth               int
	stack               [jsonlimit.MaxDepth / 64]uint64 // bit set: that level is an object
	lit                 string                          // the rest of a literal (true, false, null)
	hex                 int                             // hex digits still expected after \u
	inKey               bool                            // the open string is an object key
	strStart            int64                           // offset of the open string's quote
	err                 *jsonlimit.Error                // the first limit passed
	rest                *jsonlimit.Stream               // after a syntax error: the limits alone
}

type vstate uint8

const (
	vValue    vstate = iota // a value is expected (whitespace allowed)
	vArrFirst               // after '[': a value or ']'
	vObjFirst               // after '{': a key or '}'
	vObjKey                 // after ',' in an object: a key
	vColon                  // after a key: ':'
	vAfter                  // after a value: ',' or the container's end, or only whitespace at the top
	vString                 // inside a string
	vEscape                 // after a backslash
	vHex                    // inside \uXXXX
	vLiteral                // inside true, false or null
	vNumMinus               // after '-': a digit
	vNumZero                // after a leading 0 (complete)
	vNumInt                 // in the integer digits (complete)
	vNumDot                 // after '.': a digit
	vNumFrac                // in the fraction digits (complete)
	vNumE                   // after 'e': a sign or a digit
	vNumESign               // after the exponent's sign: a digit
	vNumExp                 // in the exponent digits (complete)
)

// newJSONCheck returns a checker with jsonlimit's limits; maxDepth may be
// lower (tests), never higher.
func newJSONCheck(maxDepth, maxString int) *jsonCheck {
	return &jsonCheck{maxDepth: min(maxDepth, jsonlimit.MaxDepth), maxString: maxString}
}

// Eight bytes at a time (SWAR). Each mask flags (high bit) the bytes it
// is looking for; borrows run only upwards, so the lowest flag is exact,
// and only the lowest is used.
const (
	ones   = 0x0101010101010101
	highs  = 0x8080808080808080
	spaces = 0x2020202020202020
)

func le64(p []byte, i int) uint64 { return binary.LittleEndian.Uint64(p[i : i+8]) }

// stringStop flags the first byte that ends a run of plain string bytes:
// '"', '\\' or a control character (below 0x20). XOR with 0x02 maps '"'
// to 0x20 and keeps the control characters below 0x20 (space goes above),
// so one "below 0x21" test finds both.
func stringStop(x uint64) uint64 {
	y := x ^ (0x02 * ones)
	b := x ^ ('\\' * ones)
	return ((y-0x21*ones)&^y | (b-ones)&^b) & highs
}

// Write feeds the next piece; it never fails (the verdict is problem's).
func (v *jsonCheck) Write(p []byte) (int, error) {
	switch {
	case v.err != nil:
	case v.rest != nil:
		v.rest.Write(p)
	default:
		v.scan(p)
	}
	v.off += int64(len(p))
	return len(p), nil
}

// problem returns checkJSON's verdict on everything written: the first
// limit passed (a *jsonlimit.Error), else whether it is one valid JSON
// value.
func (v *jsonCheck) problem() (limit error, valid bool) {
	if v.err != nil {
		return v.err, false
	}
	if v.rest != nil {
		return v.rest.Err(), false
	}
	switch v.state {
	case vString, vHex, vEscape:
		// An unterminated string, measured as CheckLimits does: to the end
		// less one, or one past it after a final backslash.
		end := v.off
		if v.state == vEscape {
			end++
		}
		if end-v.strStart-2 > int64(v.maxString) {
			return &jsonlimit.Error{Offset: v.strStart, Err: jsonlimit.ErrStringLong, Limit: v.maxString}, false
		}
		return nil, false
	case vAfter, vNumZero, vNumInt, vNumFrac, vNumExp:
		return nil, v.depth == 0
	}
	return nil, false
}

// isObject reports whether the innermost open container is an object.
func (v *jsonCheck) isObject(depth int) bool {
	d := depth - 1
	return v.stack[d>>6]>>(uint(d)&63)&1 == 1
}

// syntaxError hands the document to the limits alone from p[i] on: the
// byte at i is judged again by them (inString: it is inside the string
// opened at v.strStart).
func (v *jsonCheck) syntaxError(p []byte, i, depth int, inString bool) {
	v.rest = jsonlimit.ResumeStream(v.maxDepth, v.maxString, depth, v.off+int64(i), inString, v.strStart)
	v.rest.Write(p[i:])
}

// skipSpace returns the index of the first byte of p at or after i that
// is not JSON whitespace, or len(p); kubectl indents every line with
// spaces, skipped eight at a time.
func skipSpace(p []byte, i int) int {
	for i < len(p) && p[i] <= ' ' && wsMask>>p[i]&1 == 1 {
		i++
		for i+8 <= len(p) {
			k := bits.TrailingZeros64(le64(p, i)^spaces) >> 3
			i += k
			if k < 8 {
				break
			}
		}
	}
	return i
}

// wsMask has bit c set for each JSON whitespace byte c.
const wsMask = 1<<' ' | 1<<'\n' | 1<<'\t' | 1<<'\r'

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isHex(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' }

// scan runs the state machine over p (one Write): a label per state and
// a goto per transition, the state in locals, saved only at the end of p
// (st says where to resume). kubectl's output is mostly indentation and
// short strings: the common steps ("key": value,) take few instructions.
func (v *jsonCheck) scan(p []byte) {
	n := len(p)
	i := 0
	depth := v.depth
	var st vstate
	var c byte
	switch st = v.state; st {
	case vString:
		goto str
	case vEscape:
		goto escape
	case vHex:
		goto hex
	case vLiteral:
		goto literal
	case vNumMinus:
		goto numMinus
	case vNumZero:
		goto numZero
	case vNumInt:
		goto numInt
	case vNumDot, vNumESign:
		goto numDigit
	case vNumFrac, vNumExp:
		goto numTail
	case vNumE:
		goto numE
	case vArrFirst:
		goto arrFirst
	case vObjFirst:
		goto objFirst
	case vObjKey:
		goto objKey
	case vColon:
		goto colon
	case vAfter:
		goto after
	}
	goto value

value: // a value is expected
	if i < n && p[i] == ' ' { // kubectl's "key": value
		i++
	}
	if i = skipSpace(p, i); i == n {
		st = vValue
		goto save
	}
	switch c = p[i]; {
	case c == '"':
		v.strStart = v.off + int64(i)
		i++
		goto str
	case c == '{' || c == '[':
		if depth >= v.maxDepth {
			v.err = &jsonlimit.Error{Offset: v.off + int64(i), Err: jsonlimit.ErrTooDeep, Limit: v.maxDepth}
			return
		}
		i++
		depth++
		if c == '{' {
			v.stack[(depth-1)>>6] |= 1 << (uint(depth-1) & 63)
			goto objFirst
		}
		v.stack[(depth-1)>>6] &^= 1 << (uint(depth-1) & 63)
		goto arrFirst
	case c >= '1' && c <= '9':
		i++
		goto numInt
	case c == '0':
		i++
		st = vNumZero
		goto numZero
	case c == '-':
		i++
		goto numMinus
	case c == 't':
		v.lit = "rue"
	case c == 'f':
		v.lit = "alse"
	case c == 'n':
		v.lit = "ull"
	default:
		v.syntaxError(p, i, depth, false)
		return
	}
	i++
	goto literal

str: // inside a string
	for {
		if i+8 > n {
			for i < n && p[i] >= ' ' && p[i] != '"' && p[i] != '\\' {
				i++
			}
			break
		}
		if m := stringStop(le64(p, i)); m != 0 {
			i += bits.TrailingZeros64(m) >> 3
			break
		}
		i += 8
	}
	if i == n {
		st = vString
		goto save
	}
	switch p[i] {
	case '"':
		if v.off+int64(i)-v.strStart-1 > int64(v.maxString) {
			v.err = &jsonlimit.Error{Offset: v.strStart, Err: jsonlimit.ErrStringLong, Limit: v.maxString}
			return
		}
		i++
		if v.inKey {
			v.inKey = false
			goto colon
		}
		goto after
	case '\\':
		i++
		goto escape
	}
	v.syntaxError(p, i, depth, true) // a control character
	return

escape: // after a backslash in a string
	if i == n {
		st = vEscape
		goto save
	}
	switch p[i] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		i++
		goto str
	case 'u':
		v.hex = 4
		i++
		goto hex
	}
	v.syntaxError(p, i+1, depth, true) // CheckLimits skips the byte after a backslash
	return

hex: // inside \uXXXX
	for ; v.hex > 0; v.hex-- {
		if i == n {
			st = vHex
			goto save
		}
		if !isHex(p[i]) {
			v.syntaxError(p, i, depth, true)
			return
		}
		i++
	}
	goto str

colon: // after a key
	if i = skipSpace(p, i); i == n {
		st = vColon
		goto save
	}
	if p[i] != ':' {
		v.syntaxError(p, i, depth, false)
		return
	}
	i++
	goto value

arrFirst: // after '['
	if i = skipSpace(p, i); i == n {
		st = vArrFirst
		goto save
	}
	if p[i] == ']' {
		depth--
		i++
		goto after
	}
	goto value

objFirst: // after '{'
	if i = skipSpace(p, i); i == n {
		st = vObjFirst
		goto save
	}
	if p[i] == '}' {
		depth--
		i++
		goto after
	}
	goto objKey

objKey: // a key is expected
	if i = skipSpace(p, i); i == n {
		st = vObjKey
		goto save
	}
	if p[i] != '"' {
		v.syntaxError(p, i, depth, false)
		return
	}
	v.inKey, v.strStart = true, v.off+int64(i)
	i++
	goto str

after: // after a value
	if i = skipSpace(p, i); i == n {
		st = vAfter
		goto save
	}
	if depth == 0 {
		// Anything but whitespace after the top-level value.
		v.syntaxError(p, i, depth, false)
		return
	}
	switch c = p[i]; {
	case c == ',':
		i++
		if v.isObject(depth) {
			goto objKey
		}
		goto value
	case c == '}' && v.isObject(depth), c == ']' && !v.isObject(depth):
		depth--
		i++
		goto after
	}
	v.syntaxError(p, i, depth, false)
	return

literal: // inside true, false or null
	for ; v.lit != ""; v.lit = v.lit[1:] {
		if i == n {
			st = vLiteral
			goto save
		}
		if p[i] != v.lit[0] {
			v.syntaxError(p, i, depth, false)
			return
		}
		i++
	}
	goto after

numMinus: // after '-'
	if i == n {
		st = vNumMinus
		goto save
	}
	switch c = p[i]; {
	case c == '0':
		i++
		st = vNumZero
		goto numZero
	case c >= '1' && c <= '9':
		i++
		goto numInt
	}
	v.syntaxError(p, i, depth, false)
	return

numInt: // in the integer digits
	for i < n && isDigit(p[i]) {
		i++
	}
	st = vNumInt
numZero: // after a leading 0 (st is vNumZero), or after the integer digits
	if i == n {
		goto save
	}
	switch p[i] {
	case '.':
		i++
		st = vNumDot
		goto numDigit
	case 'e', 'E':
		i++
		goto numE
	}
	goto after // the byte after the number, judged as after a value

numDigit: // a digit must follow: after '.' (st is vNumDot) or the exponent's sign (vNumESign)
	if i == n {
		goto save
	}
	if !isDigit(p[i]) {
		v.syntaxError(p, i, depth, false)
		return
	}
	i++
	if st == vNumDot {
		st = vNumFrac
	} else {
		st = vNumExp
	}
numTail: // in the fraction digits (st is vNumFrac) or the exponent's (vNumExp)
	for i < n && isDigit(p[i]) {
		i++
	}
	if i == n {
		goto save
	}
	if st == vNumFrac && (p[i] == 'e' || p[i] == 'E') {
		i++
		goto numE
	}
	goto after

numE: // after 'e'
	if i == n {
		st = vNumE
		goto save
	}
	switch c = p[i]; {
	case c == '+' || c == '-':
		i++
		st = vNumESign
		goto numDigit
	case isDigit(c):
		i++
		st = vNumExp
		goto numTail
	}
	v.syntaxError(p, i, depth, false)
	return

save:
	v.state, v.depth = st, depth
}
