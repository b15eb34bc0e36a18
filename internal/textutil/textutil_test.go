package textutil

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestOneLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"plain message", "plain message"},
		{"  padded  ", "padded"},
		{"line one\nline two", "line one line two"},
		{"crlf\r\nnext", "crlf next"},
		{"bare\rcr", "bare cr"},
		{"tab\tand  double", "tab and double"},
		{"no  newline but double", "no newline but double"},
		{"nbsp\u00a0here", "nbsp here"},
		{"\n\t \r", ""},
		{"한국어 메시지", "한국어 메시지"},
		{"bad\xffutf8 ok", "bad\xffutf8 ok"},
	}
	for _, tt := range tests {
		if got := OneLine(tt.in); got != tt.want {
			t.Errorf("OneLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestOneLineDoesNotAllocateWhenFolded(t *testing.T) {
	s := "0/3 nodes are available: 3 Insufficient cpu. é"
	if n := testing.AllocsPerRun(100, func() { _ = OneLine(s) }); n != 0 {
		t.Errorf("OneLine of a folded message: %v allocations, want 0", n)
	}
}

func TestLastLine(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"", ""},
		{"one", "one"},
		{"noise\nerror: forbidden\n", "error: forbidden"},
		{"first\n  last  \n\n \n", "last"},
		{"crlf\r\nlast\r\n", "last"},
		{"\n\n", ""},
	}
	for _, tt := range tests {
		if got := LastLine(tt.in); got != tt.want {
			t.Errorf("LastLine(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestTruncate(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		max  int
		want string
	}{
		{"short", 10, "short"},
		{"exactly10!", 10, "exactly10!"},
		{"eleven char", 10, "eleven cha…"},
		{"ab한", 3, "ab…"}, // never cuts inside a character
		{"ab한", 5, "ab한"},
		{"ab한c", 5, "ab한…"},
	}
	for _, tt := range tests {
		if got := Truncate(tt.in, tt.max); got != tt.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", tt.in, tt.max, got, tt.want)
		}
	}
}

// encodingJSON is the reference AppendJSONString must reproduce.
func encodingJSON(t testing.TB, s string) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func TestAppendJSONString(t *testing.T) {
	t.Parallel()
	var all strings.Builder
	for b := 0; b < 256; b++ {
		all.WriteByte(byte(b))
	}
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{"quote\" back\\", `"quote\" back\\"`},
		{"nl\ncr\rtab\t", `"nl\ncr\rtab\t"`},
		{"\b\f", `"\b\f"`},
		{"\x01\x1f\x7f", `"\u0001\u001f` + "\x7f" + `"`},
		{"<html>&", `"<html>&"`},
		{"한국어", `"한국어"`},
		{"bad\xffutf8", `"bad\ufffdutf8"`},
		{"x\xe2\x80", `"x\ufffd\ufffd"`},
		{"ls\u2028ps\u2029", `"ls\u2028ps\u2029"`},
	}
	for _, tt := range tests {
		if got := string(AppendJSONString(nil, tt.in)); got != tt.want {
			t.Errorf("AppendJSONString(%q) = %s, want %s", tt.in, got, tt.want)
		}
		if got := string(AppendJSONString(nil, []byte(tt.in))); got != tt.want {
			t.Errorf("AppendJSONString([]byte(%q)) = %s, want %s", tt.in, got, tt.want)
		}
		if ref := encodingJSON(t, tt.in); ref != tt.want {
			t.Errorf("encoding/json writes %q as %s, the table says %s", tt.in, ref, tt.want)
		}
	}
	if got, want := string(AppendJSONString(nil, all.String())), encodingJSON(t, all.String()); got != want {
		t.Errorf("every byte: got %s, want %s", got, want)
	}
}

func FuzzAppendJSONString(f *testing.F) {
	for _, s := range []string{"", "plain", "\b\f\n\r\t\x00\x1f\"\\", "<>&", "é€𝄞", "\xff\xfe", "x\xe2\x80", "\u2028\u2029"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := encodingJSON(t, s)
		if got := string(AppendJSONString([]byte("prefix"), s)); got != "prefix"+want {
			t.Errorf("AppendJSONString(%q) = %s, encoding/json %s", s, got, want)
		}
		if got := string(AppendJSONString(nil, []byte(s))); got != want {
			t.Errorf("AppendJSONString([]byte(%q)) = %s, encoding/json %s", s, got, want)
		}
	})
}

func FuzzOneLine(f *testing.F) {
	for _, s := range []string{"", " a  b ", "a\r\nb", "\u00a0x\u3000", "\xff \xfe", "ok"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := strings.Join(strings.Fields(s), " ")
		if got := OneLine(s); got != want {
			t.Errorf("OneLine(%q) = %q, want %q", s, got, want)
		}
	})
}

func FuzzLastLine(f *testing.F) {
	for _, s := range []string{"", "a\nb\n", "\n \n", "x\r\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want := ""
		lines := strings.Split(s, "\n")
		for i := len(lines) - 1; i >= 0; i-- {
			if l := strings.TrimSpace(lines[i]); l != "" {
				want = l
				break
			}
		}
		if got := LastLine(s); got != want {
			t.Errorf("LastLine(%q) = %q, want %q", s, got, want)
		}
		for _, n := range []int{0, 1, 3, 300} {
			got := Truncate(s, n)
			if len(s) <= n && got != s || len(s) > n && (!strings.HasPrefix(s, strings.TrimSuffix(got, "…")) || len(got) > n+len("…")) {
				t.Errorf("Truncate(%q, %d) = %q", s, n, got)
			}
			if utf8.ValidString(s) && !utf8.ValidString(got) {
				t.Errorf("Truncate(%q, %d) = %q cuts a character", s, n, got)
			}
		}
	})
}
