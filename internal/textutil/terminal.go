package textutil

import (
	"strings"
	"unicode/utf8"
)

// Terminal returns s safe to print as one field of one line on a terminal,
// in a table or in XML 1.0 text: every byte or character that could move
// the cursor, start an escape sequence, end the line, reorder the text or
// is not allowed in XML 1.0 is shown as a Go-style escape instead:
//
//   - \t, \n, \r for tab, line feed and carriage return;
//   - \xNN for the other C0 controls (NUL \x00, BEL \x07, ESC \x1b), for
//     DEL (\x7f) and for each byte that is not valid UTF-8;
//   - \uNNNN for the C1 controls (U+0080–U+009F, e.g. CSI U+009B), the
//     line and paragraph separators U+2028 and U+2029, the bidirectional
//     embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069),
//     and the non-characters U+FFFE and U+FFFF.
//
// Everything else, backslashes included, is kept as it is, so a name
// without such characters prints unchanged. Terminal does not allocate
// when nothing needs escaping. Every string from a bundle goes through it
// before it reaches a terminal, a text table or a JUnit document.
func Terminal(s string) string {
	i := unsafeIndex(s)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for i < len(s) {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= ' ' && c != 0x7f {
				b.WriteByte(c)
			} else {
				writeByteEscape(&b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			writeByteEscape(&b, c)
		case unsafeRune(r):
			const hex = "0123456789abcdef"
			b.WriteString(`\u`)
			b.WriteByte(hex[r>>12&0xF])
			b.WriteByte(hex[r>>8&0xF])
			b.WriteByte(hex[r>>4&0xF])
			b.WriteByte(hex[r&0xF])
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeIndex is the index of the first byte Terminal escapes, or -1.
func unsafeIndex(s string) int {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < ' ' || c == 0x7f {
				return i
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || unsafeRune(r) {
			return i
		}
		i += size
	}
	return -1
}

// unsafeRune reports whether Terminal shows a valid non-ASCII rune as \uNNNN.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	case r >= 0x202a && r <= 0x202e, r >= 0x2066 && r <= 0x2069: // bidi controls
		return true
	case r == 0xfffe || r == 0xffff: // not XML 1.0 characters
		return true
	}
	return false
}

func writeByteEscape(b *strings.Builder, c byte) {
	const hex = "0123456789abcdef"
	switch c {
	case '\t':
		b.WriteString(`\t`)
	case '\n':
		b.WriteString(`\n`)
	case '\r':
		b.WriteString(`\r`)
	default:
		b.WriteString(`\x`)
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xF])
	}
}
