package transfer_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/memstore"
	"github.com/ksnap/ksnap/history/transfer"
)

const okLine = `{"timestamp": "2025-11-16T10:00:00", "namespace": "a", "selector": "", "overall_health": "OK", "jobs_ok": 1, "jobs_warn": 0, "jobs_error": 0, "raw_snapshot": null}`

// Import into a store that keeps no lines: corrupt lines are listed with
// their line number and byte offset, blank lines ignored, the rest appended
// in order; Export writes them in canonical form.
func TestImportCorruptAndBlank(t *testing.T) {
	t.Parallel()
	in := okLine + "\n\n  \nnot json\n" + strings.Replace(okLine, `"a"`, `"b"`, 1) + "\n{\"timestamp\": 3}"
	st := memstore.New("mem", nil)
	res, err := transfer.Import(context.Background(), st, strings.NewReader(in), "in.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	if res.Read != 2 || res.Written != 2 || res.Corrupt.Count != 2 {
		t.Fatalf("Import = %+v", res)
	}
	var got []string
	for _, l := range res.Corrupt.Lines {
		got = append(got, l.Error())
	}
	want := []string{
		"in.jsonl:4: not valid JSON",
		"in.jsonl:6: timestamp: want a string, got a number",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("corrupt lines:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if res.Corrupt.Lines[0].Offset != int64(len(okLine)+5) {
		t.Errorf("offset of line 4 = %d", res.Corrupt.Lines[0].Offset)
	}
	var out bytes.Buffer
	if _, err := transfer.Export(context.Background(), &out, st, history.Filter{Namespace: "b"}); err != nil {
		t.Fatal(err)
	}
	if want := `{"timestamp":"2025-11-16T10:00:00","namespace":"b","selector":"","overall_health":"OK","jobs_ok":1,"jobs_warn":0,"jobs_error":0,"raw_snapshot":null}` + "\n"; out.String() != want {
		t.Errorf("Export = %q, want %q", out.String(), want)
	}
}

// FuzzImport: any input imports without error or panic, every non-blank
// line is either a record or a corrupt line, and what is exported reads
// back as the same records.
func FuzzImport(f *testing.F) {
	f.Add([]byte(okLine + "\n"))
	f.Add([]byte("\n\n{}\n" + okLine))
	f.Add([]byte("\xff\xfe\n" + okLine + "\r\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		st := memstore.New("mem", nil)
		res, err := transfer.Import(context.Background(), st, bytes.NewReader(in), "fuzz")
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, l := range bytes.Split(in, []byte("\n")) {
			if len(bytes.TrimSpace(l)) > 0 {
				n++
			}
		}
		if res.Read+res.Corrupt.Count != n {
			t.Fatalf("%d records + %d corrupt for %d non-blank lines", res.Read, res.Corrupt.Count, n)
		}
		var out bytes.Buffer
		if _, err := transfer.Export(context.Background(), &out, st, history.Filter{}); err != nil {
			t.Fatal(err)
		}
		again := memstore.New("mem2", nil)
		res2, err := transfer.Import(context.Background(), again, &out, "export")
		if err != nil || res2.Read != res.Read || res2.Corrupt.Count != 0 {
			t.Fatalf("re-import of the export = %+v, %v; want %d records, none corrupt", res2, err, res.Read)
		}
	})
}
