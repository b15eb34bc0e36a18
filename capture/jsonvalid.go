package capture

import (
	"encoding/binary"
	"math/bits"

	"github.com/ksnap/ksnap/internal/jsonlimit"
)

// jsonValidator decides gjson.ValidBytes for a document that arrives in
// pieces (a kubectl stdout streamed to a spill file), in one pass and in
// memory bounded by jsonlimit.MaxDepth: the grammar gjson accepts (RFC 8259
// values, whitespace space, tab, CR and LF around tokens, strings of any
// byte from 0x20 up with the JSON escapes, no UTF-8 check). It runs beside
// jsonlimit.Stream, whose verdict comes first (checkJSON's order); a
// document nested deeper than jsonlimit allows is always refused by that,
// so this one simply fails there. A differential test and fuzz target hold
// it to gjson.
type jsonValidator struct {
	state   vstate
	stack   []byte // 'o' (object) or 'a' (array) per open container
	lit     string // the rest of a literal being matched (true, false, null)
	hex     int    // hex digits still expected after \u
	inKey   bool   // the string being read is an object key
	started bool   // a top-level value has begun
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
	vFail
)

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

// Eight bytes at a time (SWAR), with exact per-byte flags (no borrow
// between bytes): the bulk of kubectl's output is string bytes and
// indentation.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
	low7  = 0x7f7f7f7f7f7f7f7f
)

// zeroBytes flags (high bit) the bytes of x that are zero.
func zeroBytes(x uint64) uint64 { return ^(((x & low7) + low7) | x) & highs }

// stringStop flags the bytes that end a run of plain string bytes: '"',
// '\\' and control characters (below 0x20).
func stringStop(x uint64) uint64 {
	ctl := ^(((x & low7) + 0x6060606060606060) | x) & highs
	return zeroBytes(x^('"'*ones)) | zeroBytes(x^('\\'*ones)) | ctl
}

// nonSpace flags the bytes that are not JSON whitespace.
func nonSpace(x uint64) uint64 {
	ws := zeroBytes(x^(' '*ones)) | zeroBytes(x^('\n'*ones)) | zeroBytes(x^('\t'*ones)) | zeroBytes(x^('\r'*ones))
	return ^ws & highs
}

// Write feeds the next piece; it never fails (the verdict is Valid's).
func (v *jsonValidator) Write(p []byte) (int, error) {
	for i := 0; i < len(p) && v.state != vFail; {
		i = v.step(p, i)
	}
	return len(p), nil
}

// Valid reports whether everything written is one valid JSON value.
func (v *jsonValidator) Valid() bool {
	if !v.started || len(v.stack) > 0 {
		return false
	}
	switch v.state {
	case vAfter, vNumZero, vNumInt, vNumFrac, vNumExp:
		return true
	}
	return false
}

// endValue moves on after a complete value.
func (v *jsonValidator) endValue() { v.state = vAfter }

// step consumes at least one byte of p from i and returns the next index.
func (v *jsonValidator) step(p []byte, i int) int {
	c := p[i]
	switch v.state {
	case vString:
		// Fast path: the bulk of kubectl's output is string bytes.
		for i+8 <= len(p) {
			if m := stringStop(binary.LittleEndian.Uint64(p[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		for i < len(p) {
			c = p[i]
			if c == '"' || c == '\\' || c < ' ' {
				break
			}
			i++
		}
		if i == len(p) {
			return i
		}
		switch {
		case c == '"':
			if v.inKey {
				v.inKey = false
				v.state = vColon
			} else {
				v.endValue()
			}
		case c == '\\':
			v.state = vEscape
		default:
			v.state = vFail
		}
		return i + 1
	case vEscape:
		switch c {
		case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			v.state = vString
		case 'u':
			v.state, v.hex = vHex, 4
		default:
			v.state = vFail
		}
		return i + 1
	case vHex:
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			v.state = vFail
			return i + 1
		}
		if v.hex--; v.hex == 0 {
			v.state = vString
		}
		return i + 1
	case vLiteral:
		if c != v.lit[0] {
			v.state = vFail
			return i + 1
		}
		if v.lit = v.lit[1:]; v.lit == "" {
			v.endValue()
		}
		return i + 1
	case vNumMinus:
		switch {
		case c == '0':
			v.state = vNumZero
		case c >= '1' && c <= '9':
			v.state = vNumInt
		default:
			v.state = vFail
		}
		return i + 1
	case vNumInt, vNumFrac, vNumExp:
		if c >= '0' && c <= '9' {
			return i + 1
		}
		if v.state == vNumInt && c == '.' {
			v.state = vNumDot
			return i + 1
		}
		if v.state != vNumExp && (c == 'e' || c == 'E') {
			v.state = vNumE
			return i + 1
		}
		v.endValue()
		return i // the byte after the number, judged as after a value
	case vNumZero:
		switch c {
		case '.':
			v.state = vNumDot
		case 'e', 'E':
			v.state = vNumE
		default:
			v.endValue()
			return i
		}
		return i + 1
	case vNumDot:
		if c >= '0' && c <= '9' {
			v.state = vNumFrac
		} else {
			v.state = vFail
		}
		return i + 1
	case vNumE:
		switch {
		case c == '+' || c == '-':
			v.state = vNumESign
		case c >= '0' && c <= '9':
			v.state = vNumExp
		default:
			v.state = vFail
		}
		return i + 1
	case vNumESign:
		if c >= '0' && c <= '9' {
			v.state = vNumExp
		} else {
			v.state = vFail
		}
		return i + 1
	}
	// Between tokens: skip whitespace (kubectl indents every line).
	if isSpace(c) {
		for i+8 <= len(p) {
			if m := nonSpace(binary.LittleEndian.Uint64(p[i:])); m != 0 {
				i += bits.TrailingZeros64(m) >> 3
				break
			}
			i += 8
		}
		if i == len(p) {
			return i
		}
		c = p[i]
	}
	for isSpace(c) {
		if i++; i == len(p) {
			return i
		}
		c = p[i]
	}
	switch v.state {
	case vColon:
		if c != ':' {
			v.state = vFail
		} else {
			v.state = vValue
		}
		return i + 1
	case vObjFirst, vObjKey:
		switch {
		case c == '"':
			v.state, v.inKey = vString, true
		case c == '}' && v.state == vObjFirst:
			v.stack = v.stack[:len(v.stack)-1]
			v.endValue()
		default:
			v.state = vFail
		}
		return i + 1
	case vAfter:
		if len(v.stack) == 0 {
			v.state = vFail // anything but whitespace after the top-level value
			return i + 1
		}
		top := v.stack[len(v.stack)-1]
		switch {
		case c == ',' && top == 'o':
			v.state = vObjKey
		case c == ',':
			v.state = vValue
		case c == '}' && top == 'o', c == ']' && top == 'a':
			v.stack = v.stack[:len(v.stack)-1]
		default:
			v.state = vFail
		}
		return i + 1
	case vArrFirst:
		if c == ']' {
			v.stack = v.stack[:len(v.stack)-1]
			v.endValue()
			return i + 1
		}
	}
	// vValue, or vArrFirst with a value.
	v.started = true
	switch {
	case c == '{' || c == '[':
		if len(v.stack) >= jsonlimit.MaxDepth {
			v.state = vFail // jsonlimit refuses it first
			return i + 1
		}
		if c == '{' {
			v.stack = append(v.stack, 'o')
			v.state = vObjFirst
		} else {
			v.stack = append(v.stack, 'a')
			v.state = vArrFirst
		}
	case c == '"':
		v.state = vString
	case c == '-':
		v.state = vNumMinus
	case c == '0':
		v.state = vNumZero
	case c >= '1' && c <= '9':
		v.state = vNumInt
	case c == 't':
		v.state, v.lit = vLiteral, "rue"
	case c == 'f':
		v.state, v.lit = vLiteral, "alse"
	case c == 'n':
		v.state, v.lit = vLiteral, "ull"
	default:
		v.state = vFail
	}
	return i + 1
}
