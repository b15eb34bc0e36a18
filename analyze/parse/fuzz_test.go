package parse

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/internal/jsonlimit"
	"github.com/tidwall/gjson"
)

// FuzzParse feeds arbitrary bytes to every member parser, seeded with every
// realdata file: no input may panic, every error names the member, and an
// item error names an index inside the input.
func FuzzParse(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join("..", "testdata", "realdata", "*"))
	for _, p := range files {
		if strings.HasSuffix(p, ".md") || strings.HasSuffix(p, ".yaml") {
			continue
		}
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`{"items":null}`))
	f.Add([]byte(podMetricsJSON))
	f.Add([]byte(`[{"metadata":{"name":"a"},"status":{"containerStatuses":[{"state":{"terminated":{"exitCode":1e3}}}]}}]`))
	f.Add([]byte(`{"items":[{"metadata":{"name":"a\u00e9\"","x":[1.5e+3,-0,true,false,null,{}]}}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		// The walker validates as it reads: it must accept exactly what
		// gjson.Valid accepts.
		trimmed := strings.TrimSpace(string(data))
		if jsonlimit.Check(data) != nil {
			// Past a limit the walker may refuse what gjson.Valid (which
			// recurses, and overflows the stack on deep input) accepts.
			for _, parse := range []func(string, []byte) error{
				func(m string, d []byte) error { _, _, err := Jobs(m, d); return err },
				func(m string, d []byte) error { _, _, err := Pods(m, d); return err },
			} {
				if err := parse("m.json", data); err != nil && !strings.HasPrefix(err.Error(), "member m.json: ") {
					t.Fatalf("error does not name the member: %v", err)
				}
			}
			return
		}
		wantSyntax := trimmed != "" && !gjson.Valid(trimmed)
		check := func(n int, errs []*ItemError, err error) {
			if errors.Is(err, ErrSyntax) != wantSyntax {
				t.Fatalf("gjson.Valid = %v, but err = %v", !wantSyntax, err)
			}
			if err != nil {
				var me *MemberError
				if !errors.As(err, &me) || me.Member != "m.json" || !strings.HasPrefix(err.Error(), "member m.json: ") {
					t.Fatalf("error does not name the member: %v", err)
				}
				if n != 0 || len(errs) != 0 {
					t.Fatalf("member error with %d items and %d item errors", n, len(errs))
				}
			}
			for _, e := range errs {
				if e.Member != "m.json" || e.Index < 0 || e.Index > len(data) || !strings.HasPrefix(e.Error(), "member m.json: item ") {
					t.Fatalf("bad item error: %#v", e)
				}
			}
		}
		j, je, err := Jobs("m.json", data)
		check(len(j), je, err)
		p, pe, err := Pods("m.json", data)
		check(len(p), pe, err)
		e, ee, err := Events("m.json", data)
		check(len(e), ee, err)
		u, ue, err := PodMetrics("m.json", data)
		check(len(u), ue, err)
		r, err := PodResources("m.json", data)
		check(len(r), nil, err)
		LogTail("p", "c", false, data)
	})
}
