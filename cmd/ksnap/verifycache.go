package main

import (
	"path/filepath"
	"strings"

	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/internal/verifycache"
	"github.com/ksnap/ksnap/pipeline"
)

// verifiedSet is the cache of bundle files verified in full
// (internal/verifycache), or nil when it is off or cannot be used: then
// every read hashes every member, as it always may. KSNAP_VERIFY_CACHE
// chooses: "off" disables it, anything else is the directory to use;
// unset uses ksnap's cache directory ($KSNAP_CACHE_DIR, else
// $XDG_CACHE_HOME/ksnap, else $HOME/.cache/ksnap, as the s3 mirror). Reading
// through it never changes a result (see bundle.VerifiedSet).
func (e *env) verifiedSet() bundle.VerifiedSet {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.verifiedDone {
		return e.verified
	}
	e.verifiedDone = true
	dir := verifyCacheDir(e.getenv)
	if dir == "" {
		return nil
	}
	d, err := verifycache.Open(dir)
	if err != nil {
		e.logger().Debug("verify cache off", "err", err)
		return nil
	}
	e.verified = d
	return d
}

// withVerified is o reading through the verify cache.
func withVerified(o pipeline.Options, e *env) pipeline.Options {
	o.Verified = e.verifiedSet()
	return o
}

// verifyCacheDir is the cache directory the environment names, "" for none.
func verifyCacheDir(getenv func(string) string) string {
	switch v := getenv("KSNAP_VERIFY_CACHE"); {
	case strings.EqualFold(v, "off") || v == "0" || strings.EqualFold(v, "false"):
		return ""
	case v != "":
		return v
	}
	if c := getenv("KSNAP_CACHE_DIR"); filepath.IsAbs(c) {
		return c
	}
	if x := getenv("XDG_CACHE_HOME"); filepath.IsAbs(x) {
		return filepath.Join(x, "ksnap")
	}
	if h := getenv("HOME"); filepath.IsAbs(h) && h != "/" {
		return filepath.Join(h, ".cache", "ksnap")
	}
	return ""
}
