package parse

import (
	"fmt"
	"time"

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
	if t, ok := fastTime(s); ok {
		return t
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		p.fail(field, fmt.Errorf("%w: %q", ErrTime, s))
		return time.Time{}
	}
	return t.UTC()
}

// fastTime parses the API server's usual form, YYYY-MM-DDTHH:MM:SSZ, without
// the generic layout machinery. Anything else goes to time.Parse.
func fastTime(s string) (time.Time, bool) {
	if len(s) != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' || s[19] != 'Z' {
		return time.Time{}, false
	}
	num := func(a, b int) (int, bool) {
		n := 0
		for i := a; i < b; i++ {
			c := s[i]
			if c < '0' || c > '9' {
				return 0, false
			}
			n = n*10 + int(c-'0')
		}
		return n, true
	}
	y, ok1 := num(0, 4)
	mo, ok2 := num(5, 7)
	d, ok3 := num(8, 10)
	h, ok4 := num(11, 13)
	mi, ok5 := num(14, 16)
	se, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || mo < 1 || mo > 12 || d < 1 || d > daysIn(mo, y) || h > 23 || mi > 59 || se > 59 {
		return time.Time{}, false
	}
	return time.Date(y, time.Month(mo), d, h, mi, se, 0, time.UTC), true
}

func daysIn(m, y int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
