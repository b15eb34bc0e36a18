// Package reporoot finds the repository root (the directory holding go.mod)
// from a test's working directory, so that real-server test helpers can run
// the scripts/ that start and stop those servers. Test support only.
package reporoot

import (
	"os"
	"path/filepath"
)

// Dir returns the nearest directory at or above the working directory that
// holds go.mod, or the working directory if none does.
func Dir() string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		if filepath.Dir(d) == d {
			return dir
		}
	}
}
