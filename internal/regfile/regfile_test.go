package regfile

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

func TestReadFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	reg := filepath.Join(dir, "f")
	os.WriteFile(reg, []byte("12345"), 0o600)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	link := filepath.Join(dir, "link")
	os.Symlink(fifo, link)
	tests := []struct {
		path    string
		max     int64
		want    string
		wantErr string
		is      error
	}{
		{reg, 5, "12345", "", nil},
		{reg, 4, "", "read " + reg + ": file too large: 5 bytes, the limit is 4", ErrTooLarge},
		{fifo, 10, "", "open " + fifo + ": not a regular file (a FIFO)", ErrNotRegular},
		{link, 10, "", "open " + link + ": not a regular file (a FIFO)", ErrNotRegular},
		{dir, 10, "", "open " + dir + ": not a regular file (a directory)", ErrNotRegular},
		{"/dev/zero", 10, "", "open /dev/zero: not a regular file (a character device)", ErrNotRegular},
	}
	for _, tt := range tests {
		got, err := ReadFile(tt.path, tt.max)
		if tt.wantErr == "" {
			if err != nil || string(got) != tt.want {
				t.Errorf("ReadFile(%s) = %q, %v; want %q", tt.path, got, err, tt.want)
			}
			continue
		}
		if err == nil || err.Error() != tt.wantErr || !errors.Is(err, tt.is) {
			t.Errorf("ReadFile(%s) err = %v, want %s", tt.path, err, tt.wantErr)
		}
	}
	if err := Check(fifo); !errors.Is(err, ErrNotRegular) {
		t.Errorf("Check(fifo) = %v", err)
	}
	if err := Check(filepath.Join(dir, "absent")); err != nil {
		t.Errorf("Check(absent) = %v", err)
	}
	if err := Check(reg); err != nil {
		t.Errorf("Check(reg) = %v", err)
	}
}
