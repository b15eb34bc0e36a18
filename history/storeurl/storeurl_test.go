package storeurl

import (
	"os"
	"path/filepath"
	"testing"
)

func TestHasPassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		loc  string
		want bool
	}{
		{"postgres://ksnap@db:5432/history", false},
		{"postgres://ksnap:hunter2@db/history", true},
		{"postgresql://ksnap:@db/history", true},
		{"postgres://db/history?password=hunter2", true},
		{"postgres://db/history?sslmode=require", false},
		{"outputs/k8s_health_history.jsonl", false},
		{"a:b@c.jsonl", false},
	}
	for _, tt := range tests {
		if got := HasPassword(tt.loc); got != tt.want {
			t.Errorf("HasPassword(%q) = %v, want %v", tt.loc, got, tt.want)
		}
	}
}

func TestNameHidesCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct{ loc, want string }{
		{"postgres://ksnap:hunter2@db.example:6432/history?sslmode=require", "postgres://db.example:6432/history"},
		{"postgresql://ksnap@db/history", "postgres://db:5432/history"},
		{"x.jsonl", "x.jsonl"},
	}
	for _, tt := range tests {
		if got := Name(tt.loc); got != tt.want {
			t.Errorf("Name(%q) = %q, want %q", tt.loc, got, tt.want)
		}
	}
}

func TestReadURLFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	p := filepath.Join(dir, "url")
	os.WriteFile(p, []byte("  postgres://u:p@h/db \nignored\n"), 0o600)
	got, err := ReadURLFile(p)
	if err != nil || got != "postgres://u:p@h/db" {
		t.Errorf("ReadURLFile = %q, %v", got, err)
	}
	empty := filepath.Join(dir, "empty")
	os.WriteFile(empty, []byte("\n"), 0o600)
	if _, err := ReadURLFile(empty); err == nil || err.Error() != empty+": holds no URL" {
		t.Errorf("empty file: %v", err)
	}
}
