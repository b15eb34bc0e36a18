package history

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestRetention(t *testing.T) {
	t.Parallel()
	names := []string{
		"20251110T100000Z-ns-00000001.tar.zst",
		"20251116T090000Z-ns-00000002.tar.zst",
		"20251116T100000Z-ns-00000003.tar.zst",
		"20251117T080000Z-ns-00000004.tar.zst",
		"20251117T090000Z-ns-00000005.tar.zst",
		"20251118T000000Z-ns-00000006.tar.zst",
		"20251117T090000Z-other-ns-00000007.tar.zst",
	}
	var files []BundleFile
	for _, n := range names {
		f, err := ParseBundleName(n)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	ds, err := ApplyRetention(files, RetentionPolicy{Last: 1, Daily: 2, Weekly: 2})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range ds {
		got = append(got, d.Name[:15]+" "+d.Namespace+" "+map[bool]string{true: "keep", false: "remove"}[d.Keep]+" "+strings.Join(d.Reasons, ", "))
	}
	want := []string{
		"20251110T100000 ns remove not matched by the policy",
		"20251116T090000 ns remove not matched by the policy",
		"20251116T100000 ns keep weekly 2025-W46", // a Sunday: the newest of ISO week 46
		"20251117T080000 ns remove not matched by the policy",
		"20251117T090000 ns keep daily 2025-11-17",
		"20251118T000000 ns keep last 1, daily 2025-11-18, weekly 2025-W47",
		"20251117T090000 other-ns keep last 1, daily 2025-11-17, weekly 2025-W47",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("decisions:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := ApplyRetention(files, RetentionPolicy{}); !errors.Is(err, ErrEmptyPolicy) {
		t.Errorf("empty policy: %v", err)
	}
	for _, bad := range []string{"x.tar.zst", "20251110T100000Z-ns-0000000g.tar.zst", "20251310T100000Z-ns-00000001.tar.zst", ".20251110T100000Z-ns-00000001.tar.zst.tmp-1"} {
		if _, err := ParseBundleName(bad); err == nil {
			t.Errorf("ParseBundleName(%q) accepted", bad)
		}
	}
}
