// Package fasttime parses the timestamps ksnap reads millions of times (API
// server times in pods and events, history lines) without the generic
// time.Parse layout machinery. It owns only the fast path; callers fall back
// to time.Parse for anything it declines.
package fasttime

import "time"

// Parse parses YYYY-MM-DDTHH:MM:SS[.f{1,9}][Z] as UTC. zone reports whether
// the trailing Z was present (a time without it is the old tool's naive UTC).
// ok is false for any other form, including offsets and out-of-range fields:
// the caller's time.Parse decides those.
func Parse(s string) (t time.Time, zone, ok bool) {
	if len(s) < 19 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' || s[16] != ':' {
		return time.Time{}, false, false
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
	year, ok1 := num(0, 4)
	month, ok2 := num(5, 7)
	day, ok3 := num(8, 10)
	hour, ok4 := num(11, 13)
	minute, ok5 := num(14, 16)
	sec, ok6 := num(17, 19)
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 ||
		day > daysIn(month, year) || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false, false
	}
	rest := s[19:]
	nsec := 0
	if len(rest) > 0 && rest[0] == '.' {
		digits := 0
		i := 1
		for ; i < len(rest) && rest[i] >= '0' && rest[i] <= '9'; i++ {
			if digits == 9 {
				return time.Time{}, false, false
			}
			nsec = nsec*10 + int(rest[i]-'0')
			digits++
		}
		if digits == 0 {
			return time.Time{}, false, false
		}
		for d := digits; d < 9; d++ {
			nsec *= 10
		}
		rest = rest[i:]
	}
	switch rest {
	case "":
	case "Z":
		zone = true
	default:
		return time.Time{}, false, false
	}
	return time.Date(year, time.Month(month), day, hour, minute, sec, nsec, time.UTC), zone, true
}

func daysIn(month, year int) int {
	switch month {
	case 2:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}
