package json

import (
	"io"

	"github.com/ksnap/ksnap/reeval"
)

// Reevaluate writes a re-evaluation as one indented JSON document of schema
// reeval.Schema (docs/replay.md): every list present, never null.
func Reevaluate(w io.Writer, r *reeval.Result) error { return writeJSON(w, r) }
