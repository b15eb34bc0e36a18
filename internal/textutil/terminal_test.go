package textutil

import (
	"testing"
	"unicode/utf8"
)

func TestTerminal(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"empty", "", ""},
		{"plain", "e2e-crashloop-zcjw6", "e2e-crashloop-zcjw6"},
		{"unicode kept", "Back-off ×1 — 日本", "Back-off ×1 — 日本"},
		{"backslash kept", `C:\x1b`, `C:\x1b`},
		{"ESC", "\x1b[31mred\x1b[0m", `\x1b[31mred\x1b[0m`},
		{"NUL BEL DEL", "a\x00b\x07c\x7f", `a\x00b\x07c\x7f`},
		{"newline forges a line", "x\nOverall Health: OK", `x\nOverall Health: OK`},
		{"CR tab", "a\rb\tc", `a\rb\tc`},
		{"invalid UTF-8", "a\xffb\xc3", `a\xffb\xc3`},
		{"C1 CSI", "a\u009b31m", `a\u009b31m`},
		{"bidi override", "abc\u202edcb", `abc\u202edcb`},
		{"isolate", "\u2066x\u2069", `\u2066x\u2069`},
		{"separators", "a\u2028b\u2029", `a\u2028b\u2029`},
		{"non-characters", "\ufffe\uffff", `\ufffe\uffff`},
		{"replacement char kept", "\ufffd", "\ufffd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Terminal(tt.in); got != tt.want {
				t.Errorf("Terminal(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestTerminalDoesNotAllocateWhenSafe(t *testing.T) {
	s := "pod e2e-crashloop-zcjw6 container main is waiting: CrashLoopBackOff ×1"
	if n := testing.AllocsPerRun(100, func() { _ = Terminal(s) }); n != 0 {
		t.Errorf("Terminal allocated %v times on a safe string", n)
	}
}

// FuzzTerminal checks Terminal's promises: valid UTF-8, no control
// characters, valid XML 1.0 character data, one line, and identity on
// safe input.
func FuzzTerminal(f *testing.F) {
	for _, s := range []string{"", "plain", "\x1b[2J", "a\nb", "\xff", "\u009b", "\u202e", "\ufffe"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := Terminal(s)
		if !utf8.ValidString(got) {
			t.Fatalf("Terminal(%q) = %q: not valid UTF-8", s, got)
		}
		for _, r := range got {
			if r < ' ' || r == 0x7f || (r >= 0x80 && r <= 0x9f) || unsafeRune(r) {
				t.Fatalf("Terminal(%q) = %q: keeps %U", s, got, r)
			}
		}
		for _, r := range got {
			if !xmlChar(r) {
				t.Fatalf("Terminal(%q) = %q: %U is not an XML 1.0 character", s, got, r)
			}
		}
		if unsafeIndex(s) < 0 && got != s {
			t.Fatalf("Terminal(%q) = %q: changed a safe string", s, got)
		}
	})
}

// xmlChar is XML 1.0's Char production.
func xmlChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}
