package json

import (
	"io"

	"github.com/ksnap/ksnap/diff"
)

// Diff writes a bundle diff as one indented JSON document of schema
// diff.Schema (docs/replay.md): every list present, never null.
func Diff(w io.Writer, r *diff.Result) error { return writeJSON(w, r) }
