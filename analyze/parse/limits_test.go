package parse

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/internal/jsonlimit"
)

// Deep nesting crashed the walker (and gjson.Valid) with a fatal stack
// overflow no recover catches; a huge string was copied into every report.
// Both are now one *MemberError naming the member and the offset.
func TestLimitsGiveMemberErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"8 MiB of [", bytes.Repeat([]byte("["), 8<<20),
			"member m.json: JSON nests deeper than 512 levels at byte 5"},
		{"deep inside an item", []byte(`{"kind":"PodList","items":[{"metadata":{"name":"p","annotations":{"x":` + strings.Repeat(`{"a":`, 600)),
			"member m.json: JSON nests deeper than 512 levels at byte 2"},
		{"a 3 MiB job name", []byte(`{"kind":"JobList","items":[{"metadata":{"name":"` + strings.Repeat("j", 3<<20) + `"}}]}`),
			"member m.json: a JSON string at byte 47 is longer than 2097152 bytes"},
	}
	for _, tt := range tests {
		for name, parse := range map[string]func(string, []byte) error{
			"Jobs":   func(m string, d []byte) error { _, _, err := Jobs(m, d); return err },
			"Pods":   func(m string, d []byte) error { _, _, err := Pods(m, d); return err },
			"Events": func(m string, d []byte) error { _, _, err := Events(m, d); return err },
		} {
			err := parse("m.json", tt.data)
			var me *MemberError
			var le *jsonlimit.Error
			if !errors.As(err, &me) || !errors.As(err, &le) || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("%s: %s: err = %v, want %s", tt.name, name, err, tt.want)
			}
		}
	}
}
