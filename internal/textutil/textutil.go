// Package textutil owns the one copy of ksnap's small text helpers: folding
// a message onto one line, picking the last line of a command's stderr,
// capping a line, and escaping a JSON string exactly as encoding/json does.
// Analysis, capture, history and the renderers all call these, so a message
// reads the same wherever it is printed or stored.
//
// It imports the standard library only and holds no state.
package textutil

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// OneLine folds s onto one line: every run of white space (Unicode's, so
// newlines, carriage returns, tabs and non-breaking spaces too) becomes one
// space, and leading and trailing white space is removed. It is
// strings.Join(strings.Fields(s), " "), without allocating when s is
// already folded (the common case for messages from a cluster).
func OneLine(s string) string {
	if folded(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// folded reports whether OneLine(s) == s: no white space other than single
// spaces between other characters.
func folded(s string) bool {
	space := true // at the start, a space would be leading
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == ' ':
				if space {
					return false
				}
				space = true
			case c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r':
				return false
			default:
				space = false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if unicode.IsSpace(r) {
			return false
		}
		space = false
		i += size
	}
	return !space || s == ""
}

// LastLine returns the last line of s that is not blank, trimmed of white
// space: kubectl prints its final error last, after any klog noise.
func LastLine(s string) string {
	for s != "" {
		i := strings.LastIndexByte(s, '\n')
		if l := strings.TrimSpace(s[i+1:]); l != "" {
			return l
		}
		if i < 0 {
			break
		}
		s = s[:i]
	}
	return ""
}

// Truncate caps s at max bytes, cutting at a character boundary and
// appending "…" when it cuts; s no longer than max is returned as is.
func Truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	n := max
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}

// jsonSafe marks the ASCII bytes encoding/json copies as they are (without
// HTML escaping): printable ASCII except '"' and '\\'.
var jsonSafe = func() (t [utf8.RuneSelf]bool) {
	for c := ' '; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

// AppendJSONString appends s as a JSON string, byte for byte as
// encoding/json writes it with SetEscapeHTML(false) (Go 1.22 and later):
// short escapes for \b \f \n \r \t and for '"' and '\\', \u00XX for the
// other control bytes, \ufffd for each invalid UTF-8 byte, \u2028 and
// \u2029 escaped, and everything else, <, > and & included, as it is.
// FuzzAppendJSONString checks it against encoding/json.
func AppendJSONString[S []byte | string](dst []byte, s S) []byte {
	const hex = "0123456789abcdef"
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		b := s[i]
		if b < utf8.RuneSelf {
			if jsonSafe[b] {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hex[b>>4], hex[b&0xF])
			}
			i++
			start = i
			continue
		}
		n := min(len(s)-i, utf8.UTFMax)
		c, size := utf8.DecodeRuneInString(string(s[i : i+n]))
		if c == utf8.RuneError && size == 1 {
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if c == '\u2028' || c == '\u2029' {
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hex[c&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
