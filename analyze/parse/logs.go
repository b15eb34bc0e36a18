package parse

import (
	"strings"

	"github.com/ksnap/ksnap/analyze/model"
)

// LogTail splits a log member (kubectl logs --tail=N output, stored byte for
// byte) into lines. Unlike the seed tool it does not trim the whole output,
// so the first line keeps its indentation, and it drops a trailing "\r" of
// CRLF lines. A final line without a newline is kept; empty output gives no
// lines.
func LogTail(pod, container string, previous bool, data []byte) model.LogTail {
	t := model.LogTail{Pod: pod, Container: container, Previous: previous}
	s := string(data)
	s = strings.TrimSuffix(s, "\n")
	if s == "" {
		return t
	}
	t.Lines = strings.Split(s, "\n")
	for i, l := range t.Lines {
		t.Lines[i] = strings.TrimSuffix(l, "\r")
	}
	return t
}
