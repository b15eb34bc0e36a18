package serve

import (
	"fmt"
	"time"
)

// humanDuration renders d the way the API server's printers do
// (apimachinery's duration.HumanDuration): exact seconds under two minutes,
// then coarser units as the duration grows, "0s" for up to a second in the
// future and "<invalid>" beyond that.
func humanDuration(d time.Duration) string {
	if seconds := int(d.Seconds()); seconds < -1 {
		return "<invalid>"
	} else if seconds < 0 {
		return "0s"
	} else if seconds < 60*2 {
		return fmt.Sprintf("%ds", seconds)
	}
	minutes := int(d / time.Minute)
	switch {
	case minutes < 10:
		return pair(minutes, "m", int(d/time.Second)%60, "s")
	case minutes < 60*3:
		return fmt.Sprintf("%dm", minutes)
	}
	hours := int(d / time.Hour)
	switch {
	case hours < 8:
		return pair(hours, "h", minutes%60, "m")
	case hours < 48:
		return fmt.Sprintf("%dh", hours)
	case hours < 24*8:
		return pair(hours/24, "d", hours%24, "h")
	case hours < 24*365*2:
		return fmt.Sprintf("%dd", hours/24)
	case hours < 24*365*8:
		return pair(hours/24/365, "y", (hours/24)%365, "d")
	}
	return fmt.Sprintf("%dy", hours/24/365)
}

// pair prints "3m" or "3m20s": the second unit only when it is not zero.
func pair(a int, ua string, b int, ub string) string {
	if b == 0 {
		return fmt.Sprintf("%d%s", a, ua)
	}
	return fmt.Sprintf("%d%s%d%s", a, ua, b, ub)
}

// since is the printers' translateTimestampSince with now fixed to the
// bundle's capture time: "<unknown>" for a missing timestamp.
func since(now, t time.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return humanDuration(now.Sub(t))
}

// parseTime reads an API timestamp (metav1.Time or MicroTime); missing,
// null or malformed values are the zero time, as the API decoder leaves
// them unset.
func parseTime(s string) time.Time {
	if s == "" {
		return time.Time{}
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}
	}
	return t
}
