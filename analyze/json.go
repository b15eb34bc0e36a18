package analyze

import (
	"bytes"
	"encoding/json"
	"io"
)

// WriteJSON renders rep as the versioned JSON report (docs/report-schema.md):
// typed fields in snake_case, schema_version first, 2-space indent, a
// trailing newline. Non-ASCII is written as UTF-8; <, > and & are not
// escaped. Lists are never null.
func WriteJSON(w io.Writer, rep *Report) error {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep); err != nil {
		return err
	}
	_, err := w.Write(buf.Bytes())
	return err
}
