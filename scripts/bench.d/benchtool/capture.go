package main

import (
	"fmt"
	"strconv"
)

// captureRows are issue 16's lean-capture rows: capture of the big raw
// outputs with a fake kubectl that does not sleep (KSNAP_FAKE_SLEEP=0), on
// 1 core and on all, against the floor of zstd -3 -c and sha256sum of the
// same three files measured in the same run:
//   - peak RSS ÷ the largest member (target ≤ 1.5×);
//   - CPU ÷ the floor (zstd CPU + sha256 CPU, medians; target ≤ 2×),
//     judged on the all-cores run, the 1-core ratio shown beside it; the
//     floor's sha256 is openssl's when measured (as fast as Go's SHA-NI
//     code), else sha256sum's, which is shown beside it for the record;
//   - wall on all cores ÷ wall on 1 core (target ≤ 1.0×: never slower).
//
// The capture's CPU includes the fake kubectl's (sh and cat are waited-for
// children, in the same rusage); the floor's is only zstd's and sha256sum's.
func (t *tab) captureRows(meta map[string]string, add func(row), na func(section, figure, target string)) {
	const s = "process"
	cpuOf := func(name string) (float64, bool) {
		v, err := strconv.ParseFloat(t.procs[name]["cpu_s"], 64)
		return v, err == nil
	}
	largest, _ := strconv.ParseFloat(meta["largest_member_bytes"], 64)
	if largest == 0 {
		largest, _ = strconv.ParseFloat(meta["pods_bytes"], 64)
	}
	w1, r1, ok1 := t.proc("capture-lean-1cpu")
	w2, r2, ok2 := t.proc("capture-lean")
	c1, okc1 := cpuOf("capture-lean-1cpu")
	c2, okc2 := cpuOf("capture-lean")
	zs, okz := cpuOf("capture-floor-zstd")
	sh, oks := cpuOf("capture-floor-sha256")
	shName := "sha256sum"
	coreutils := sh
	if o, ok := cpuOf("capture-floor-openssl"); ok {
		sh, oks, shName = o, true, "openssl sha256"
	}
	pods := meta["pods"]
	if pods == "" {
		pods = "the big"
	}
	if ok1 {
		add(row{s, "capture, " + pods + "-pod outputs, fake kubectl without sleep, GOMAXPROCS=1", fmtDur(w1) + t.cpu("capture-lean-1cpu"), fmtBytes(r1), "", ""})
	}
	if ok2 {
		add(row{s, "capture, the same, 2 cores", fmtDur(w2) + t.cpu("capture-lean"), fmtBytes(r2), "", ""})
	}
	floor := zs + sh
	if okz && oks {
		add(row{s, "capture floor: zstd -3 -c + " + shName + " of the three raw members (CPU)", fmtDur(floor) + fmt.Sprintf(" (zstd %s, %s %s)", fmtDur(zs), shName, fmtDur(sh)), "", "", ""})
	}
	if ok1 && ok2 && largest > 0 {
		rss := max(r1, r2)
		add(row{s, fmt.Sprintf("capture peak RSS ÷ largest member (%s)", fmtBytes(largest)), fmt.Sprintf("%.2f×", rss/largest), fmtBytes(rss), "≤ 1.5×", verdict(rss <= 1.5*largest, "")})
	} else {
		na(s, "capture peak RSS ÷ largest member", "≤ 1.5×")
	}
	if okc1 && okc2 && okz && oks && floor > 0 {
		add(row{s, "capture CPU ÷ zstd+sha256 floor (2 cores; 1 core in brackets)", fmt.Sprintf("%.2f× (%.2f×)", c2/floor, c1/floor), "", "≤ 2×", verdict(c2 <= 2*floor, "")})
		if shName != "sha256sum" && coreutils > 0 {
			add(row{s, "capture CPU ÷ the floor with coreutils sha256sum instead (for the record)", fmt.Sprintf("%.2f×", c2/(zs+coreutils)), "", "", ""})
		}
	} else {
		na(s, "capture CPU ÷ zstd+sha256 floor", "≤ 2×")
	}
	if ok1 && ok2 && w1 > 0 {
		add(row{s, "capture wall, 2 cores ÷ 1 core", fmt.Sprintf("%.2f×", w2/w1), "", "≤ 1.0× (never slower)", verdict(w2 <= w1, "")})
	} else {
		na(s, "capture wall, 2 cores ÷ 1 core", "≤ 1.0×")
	}
}
