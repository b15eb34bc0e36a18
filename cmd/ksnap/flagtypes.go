package main

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"
)

// parseDuration is time.ParseDuration plus the units d (24h) and w (7d),
// e.g. "2d", "12w", "1d12h", "1.5d". With bareSeconds, a plain number
// ("5", "0.5") is that many seconds, as the old tool's --interval took it.
func parseDuration(s string, bareSeconds bool) (time.Duration, error) {
	if bareSeconds {
		if f, err := strconv.ParseFloat(s, 64); err == nil && !strings.ContainsAny(s, "eEinfINFxX") {
			return time.Duration(f * float64(time.Second)), nil
		}
	}
	if !strings.ContainsAny(s, "dw") {
		return time.ParseDuration(s)
	}
	// Rewrite each d/w component into hours; the rest goes to time.ParseDuration.
	var b strings.Builder
	rest := s
	if r, ok := strings.CutPrefix(rest, "-"); ok {
		b.WriteByte('-')
		rest = r
	} else if r, ok := strings.CutPrefix(rest, "+"); ok {
		rest = r
	}
	for rest != "" {
		i := 0
		for i < len(rest) && (rest[i] == '.' || rest[i] >= '0' && rest[i] <= '9') {
			i++
		}
		j := i
		for j < len(rest) && !(rest[j] == '.' || rest[j] >= '0' && rest[j] <= '9') {
			j++
		}
		num, unit := rest[:i], rest[i:j]
		rest = rest[j:]
		hours := 0.0
		switch unit {
		case "d":
			hours = 24
		case "w":
			hours = 7 * 24
		default:
			b.WriteString(num + unit)
			continue
		}
		f, err := strconv.ParseFloat(num, 64)
		if err != nil {
			return 0, fmt.Errorf("time: invalid duration %q", s)
		}
		b.WriteString(strconv.FormatFloat(f*hours, 'f', -1, 64) + "h")
	}
	d, err := time.ParseDuration(b.String())
	if err != nil {
		return 0, fmt.Errorf("time: invalid duration %q", s)
	}
	return d, nil
}

// durationValue is a pflag.Value for a duration that also takes d and w.
type durationValue struct {
	d           *time.Duration
	bareSeconds bool
}

func (v durationValue) String() string { return formatDuration(*v.d) }
func (v durationValue) Type() string   { return "duration" }

func (v durationValue) Set(s string) error {
	d, err := parseDuration(s, v.bareSeconds)
	if err != nil {
		return errors.New(strings.TrimPrefix(err.Error(), "time: "))
	}
	*v.d = d
	return nil
}

// formatDuration prints whole days as "Nd" (168h reads as 7d), others as
// time.Duration does.
func formatDuration(d time.Duration) string {
	const day = 24 * time.Hour
	if d == 0 {
		return "0" // pflag then shows no "(default ...)"
	}
	if d > 0 && d%day == 0 {
		return strconv.FormatInt(int64(d/day), 10) + "d"
	}
	return d.String()
}

// durationVar binds a duration flag that accepts d and w (every duration
// flag of ksnap uses it).
func durationVar(fs *pflag.FlagSet, p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	fs.Var(durationValue{d: p}, name, usage)
}

// secondsVar is durationVar where a bare number is seconds (--interval 5).
func secondsVar(fs *pflag.FlagSet, p *time.Duration, name string, def time.Duration, usage string) {
	*p = def
	fs.Var(durationValue{d: p, bareSeconds: true}, name, usage)
}

// compatAlias registers oldName as a hidden, silent alias of newName: a flag
// of the old tool's documented command lines (docs/differences.md), which
// must keep working in cron lines without a word on stderr.
func compatAlias(fs *pflag.FlagSet, oldName, newName string) {
	deprecatedAlias(fs, nil, oldName, "", newName)
}
