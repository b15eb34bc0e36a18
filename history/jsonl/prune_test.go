package jsonl

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ksnap/ksnap/history"
)

func TestPrune(t *testing.T) {
	t.Parallel()
	r := func(i int) string { return lineOf(recAt(i, "OK")) }
	old := seedLineOK + "\n" // 2025-11-16T10:00:00, same as recAt(0)
	tests := []struct {
		name    string
		content string
		opts    history.PrunePolicy
		want    string
		res     history.PruneResult
	}{
		{
			name:    "keep last 2",
			content: r(0) + r(1) + r(2) + r(3),
			opts:    history.PrunePolicy{KeepLast: 2},
			want:    r(2) + r(3),
			res:     history.PruneResult{Kept: 2, Removed: 2, Oldest: tAt(2)},
		},
		{
			name:    "older than 10 minutes",
			content: old + r(1) + r(2) + r(3),
			opts:    history.PrunePolicy{OlderThan: 10 * time.Minute, Now: tAt(3)},
			want:    r(1) + r(2) + r(3),
			res:     history.PruneResult{Kept: 3, Removed: 1, Oldest: tAt(1)},
		},
		{
			name:    "both: a record must pass both",
			content: r(0) + r(1) + r(2) + r(3),
			opts:    history.PrunePolicy{KeepLast: 3, OlderThan: 7 * time.Minute, Now: tAt(3)},
			want:    r(2) + r(3),
			res:     history.PruneResult{Kept: 2, Removed: 2, Oldest: tAt(2)},
		},
		{
			name:    "old-tool lines are kept byte for byte, corrupt lines before the first kept record go",
			content: "junk\n" + r(0) + "junk2\n" + old + "junk3\n" + seedLineMicro + "\n" + `{"torn`,
			opts:    history.PrunePolicy{KeepLast: 2},
			want:    old + "junk3\n" + seedLineMicro + "\n" + `{"torn` + "\n",
			res:     history.PruneResult{Kept: 2, Removed: 1, CorruptKept: 2, CorruptRemoved: 2, Oldest: tAt(0)},
		},
		{
			name:    "nothing to remove leaves the file alone",
			content: r(0) + r(1),
			opts:    history.PrunePolicy{KeepLast: 5},
			want:    r(0) + r(1),
			res:     history.PruneResult{Kept: 2, Oldest: tAt(0)},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, dry := range []bool{true, false} {
				path := writeFile(t, tt.content)
				os.Chmod(path, 0o600)
				opts := tt.opts
				opts.DryRun = dry
				res, err := pruneFile(t, path, opts)
				if err != nil {
					t.Fatal(err)
				}
				res.Corrupt = history.Corrupt{}
				want := tt.res
				want.BytesBefore, want.BytesAfter = int64(len(tt.content)), int64(len(tt.want))
				if !reflect.DeepEqual(*res, want) {
					t.Errorf("dry=%v: result %+v, want %+v", dry, *res, want)
				}
				got, _ := os.ReadFile(path)
				wantFile := tt.want
				if dry {
					wantFile = tt.content
				}
				if string(got) != wantFile {
					t.Errorf("dry=%v: file\n%q\nwant\n%q", dry, got, wantFile)
				}
				if st, _ := os.Stat(path); st.Mode().Perm() != 0o600 {
					t.Errorf("mode changed to %v", st.Mode())
				}
			}
		})
	}
}

func TestPruneErrors(t *testing.T) {
	t.Parallel()
	if _, err := pruneFile(t, writeFile(t, ""), history.PrunePolicy{}); !errors.Is(err, history.ErrNoPolicy) {
		t.Errorf("no policy: %v", err)
	}
	res, err := pruneFile(t, writeFile(t, "")+".missing", history.PrunePolicy{KeepLast: 1})
	if err != nil || !reflect.DeepEqual(*res, history.PruneResult{}) {
		t.Errorf("missing file: %+v %v", res, err)
	}
	dir := t.TempDir()
	if _, err := pruneFile(t, dir, history.PrunePolicy{KeepLast: 1}); err == nil || !strings.Contains(err.Error(), dir) {
		t.Errorf("directory: %v", err)
	}
}
