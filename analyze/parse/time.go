package parse

import (
	"fmt"
	"time"

	"github.com/ksnap/ksnap/internal/fasttime"
	"github.com/tidwall/gjson"
)

// timestamp reads an RFC 3339 time. Absent, null, "" and the string "null"
// (written by some support-bundle tools for a null time) give the zero time.
func (p *item) timestamp(field string, r gjson.Result) time.Time {
	switch r.Type {
	case gjson.Null:
		return time.Time{}
	case gjson.String:
	default:
		p.typeErr(field, r, "an RFC 3339 time string")
		return time.Time{}
	}
	s := r.Str
	if s == "" || s == "null" {
		return time.Time{}
	}
	if t, zone, ok := fasttime.Parse(s); ok && zone {
		return t
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.fail(field, fmt.Errorf("%w: %q", ErrTime, s))
		return time.Time{}
	}
	return t.UTC()
}
