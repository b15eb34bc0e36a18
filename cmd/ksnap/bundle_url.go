package main

import (
	"context"
	"errors"
	"path/filepath"
	"sort"
	"strings"

	"github.com/ksnap/ksnap/capture"
	"github.com/ksnap/ksnap/capture/bundle"
	"github.com/ksnap/ksnap/capture/bundle/s3store"
)

// s3Options are the S3 client settings from the standard AWS environment
// (credentials are read by the client itself: AWS_ACCESS_KEY_ID, ...).
func (e *env) s3Options() s3store.Options {
	ep := e.getenv("AWS_ENDPOINT_URL_S3")
	if ep == "" {
		ep = e.getenv("AWS_ENDPOINT_URL")
	}
	region := e.getenv("AWS_REGION")
	if region == "" {
		region = e.getenv("AWS_DEFAULT_REGION")
	}
	return s3store.Options{Endpoint: ep, Region: region}
}

func (e *env) openS3(u string) (*s3store.Store, error) {
	loc, err := s3store.ParseURL(u)
	if err != nil {
		return nil, &usageError{err}
	}
	return s3store.Open(loc, e.s3Options())
}

// s3CacheDir is where an s3:// location is mirrored: $KSNAP_CACHE_DIR, else
// $XDG_CACHE_HOME/ksnap, else ~/.cache/ksnap; then s3/BUCKET/PREFIX.
func (e *env) s3CacheDir(u string) string {
	base := e.getenv("KSNAP_CACHE_DIR")
	if base == "" {
		if x := e.getenv("XDG_CACHE_HOME"); x != "" {
			base = filepath.Join(x, "ksnap")
		} else {
			base = filepath.Join(e.getenv("HOME"), ".cache", "ksnap")
		}
	}
	loc, _ := s3store.ParseURL(u)
	return filepath.Join(base, "s3", loc.Bucket, filepath.FromSlash(strings.TrimSuffix(loc.Prefix, "/")))
}

// localBundles turns s3://bucket/prefix arguments into local paths: the
// location is mirrored (sha256-checked) into its cache directory, which
// stands for it (or, with files, the bundle files in it, sorted). Other
// arguments are returned as they are.
func (e *env) localBundles(ctx context.Context, args []string, files bool) ([]string, error) {
	var out []string
	for _, a := range args {
		if !s3store.IsURL(a) {
			out = append(out, a)
			continue
		}
		st, err := e.openS3(a)
		if err != nil {
			return nil, err
		}
		dir := e.s3CacheDir(a)
		if _, err := st.Mirror(ctx, dir); err != nil {
			return nil, err
		}
		if !files {
			out = append(out, dir)
			continue
		}
		names, err := filepath.Glob(filepath.Join(dir, "*"+bundle.Extension))
		if err != nil {
			return nil, err
		}
		sort.Strings(names)
		out = append(out, names...)
	}
	return out, nil
}

// uploadBundle sends the bundle of res to --bundle-url, after the bundles
// spooled by earlier runs. A failed upload keeps the bundle in the spool
// (BUNDLE_DIR/.spool) and is a warning, not a failure: the bundle is on
// disk and the next run sends it.
func (e *env) uploadBundle(ctx context.Context, u string, res *capture.Result) error {
	if u == "" {
		return nil
	}
	st, err := e.openS3(u)
	if err != nil {
		return err
	}
	spool := s3store.Spool{Dir: filepath.Join(filepath.Dir(res.Path), ".spool")}
	if _, err := spool.Flush(ctx, st); err != nil {
		e.warnf("%s: spooled bundles not sent: %v", spool.Dir, err)
	}
	t, err := res.Manifest.CaptureTime()
	if err != nil {
		return err
	}
	if _, err := spool.Put(ctx, st, res.Path, res.Manifest.Cluster, t); err != nil {
		if errors.Is(err, s3store.ErrSpooled) {
			e.warnf("%v", err)
			return nil
		}
		return err
	}
	return nil
}

// bundleURLFlag resolves --bundle-url (else $KSNAP_BUNDLE_URL).
func bundleURL(flag string, e *env) (string, error) {
	if flag == "" {
		flag = e.getenv("KSNAP_BUNDLE_URL")
	}
	if flag != "" && !s3store.IsURL(flag) {
		return "", usageErrorf("--bundle-url %q: want s3://BUCKET[/PREFIX]", flag)
	}
	return flag, nil
}
