package capture

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Hostile import inputs give one error naming the flag and file: deep
// nesting crashed import with a fatal stack overflow, a FIFO blocked it.
func TestImportRefusesHostileFiles(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	deep := write("deep.json", strings.Repeat("[", 4<<20))
	deepYAML := write("deep.yaml", "kind: JobList\nitems:\n"+strings.Repeat("- ", 600)+"x\n")
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ file, want string }{
		{deep, deep + ": JSON nests deeper than 512 levels at byte 512"},
		{deepYAML, deepYAML + ": converted from YAML: JSON nests deeper than 512 levels at byte 520"},
		{fifo, fifo + ": open " + fifo + ": not a regular file (a FIFO)"},
	}
	for _, tt := range tests {
		_, err := Import(ImportOptions{JobsFile: tt.file, Namespace: "ns", CapturedAt: time.Unix(0, 0), Out: t.TempDir()})
		if err == nil || err.Error() != tt.want {
			t.Errorf("Import(%s) = %v\nwant %s", filepath.Base(tt.file), err, tt.want)
		}
	}
}
