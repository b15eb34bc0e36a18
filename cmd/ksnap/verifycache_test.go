package main

import (
	"path/filepath"
	"testing"
)

// askedSet fails the test when consulted and records what it is told.
type askedSet struct {
	t     *testing.T
	added []string
}

func (s *askedSet) Contains(sha string) bool {
	s.t.Errorf("bundle verify consulted the verify cache for %s", sha)
	return true
}
func (s *askedSet) Add(sha string) { s.added = append(s.added, sha) }

func TestBundleVerifyNeverConsultsTheCache(t *testing.T) {
	set := &askedSet{t: t}
	r := verifyOne(nil, filepath.Join("..", "..", "fixtures", "scenarios", "succeed.tar.zst"), set)
	if !r.OK {
		t.Fatalf("fixture did not verify: %+v", r)
	}
	if len(set.added) != 1 || set.added[0] != r.SHA256 {
		t.Fatalf("told %v, want [%s]", set.added, r.SHA256)
	}
}

func TestVerifyCacheDir(t *testing.T) {
	for _, tc := range []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"HOME": "/home/u"}, "/home/u/.cache/ksnap"},
		{map[string]string{"HOME": "/home/u", "XDG_CACHE_HOME": "/var/cache/u"}, "/var/cache/u/ksnap"},
		{map[string]string{"HOME": "/home/u", "XDG_CACHE_HOME": "relative"}, "/home/u/.cache/ksnap"},
		{map[string]string{"HOME": "/home/u", "KSNAP_VERIFY_CACHE": "/srv/ksnap-cache"}, "/srv/ksnap-cache"},
		{map[string]string{"HOME": "/home/u", "KSNAP_VERIFY_CACHE": "off"}, ""},
		{map[string]string{"HOME": "/home/u", "KSNAP_CACHE_DIR": "/srv/c", "XDG_CACHE_HOME": "/x"}, "/srv/c"},
		{map[string]string{"HOME": "/home/u", "KSNAP_VERIFY_CACHE": "0"}, ""},
		{map[string]string{"HOME": "/"}, ""},
		{map[string]string{}, ""},
	} {
		if got := verifyCacheDir(func(k string) string { return tc.env[k] }); got != tc.want {
			t.Errorf("%v: %q, want %q", tc.env, got, tc.want)
		}
	}
}
