package main

import (
	"os"

	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/capture/bundle"
)

// expandPaths turns the arguments into bundle files: a directory stands for
// the bundles bundle.List finds in it, in capture order. A directory with
// no bundle is a usage error.
func expandPaths(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil || !fi.IsDir() {
			out = append(out, p) // a file, or an error reported when it is opened
			continue
		}
		ents, err := bundle.List(p)
		if err != nil {
			return nil, err
		}
		if len(ents) == 0 {
			return nil, usageErrorf("%s: no *%s bundle in this directory", p, bundle.Extension)
		}
		for _, en := range ents {
			out = append(out, en.Path)
		}
	}
	return out, nil
}

// verdictCode maps a verdict to its exit code (exit.go's table).
func verdictCode(v model.Level, strict bool) int {
	switch v {
	case model.LevelError:
		return exitError
	case model.LevelUnknown:
		return exitUnknown
	case model.LevelWarn:
		if strict {
			return exitWarn
		}
	}
	return exitOK
}
