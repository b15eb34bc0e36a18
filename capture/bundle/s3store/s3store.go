// Package s3store keeps ksnap bundles in an S3-compatible object store
// (AWS S3, MinIO, SeaweedFS, ...): content-addressed keys
// PREFIX/CLUSTER/YYYY/MM/DD/FILE, each object's sha256 in its metadata, an
// upload that is a no-op when the object is already there (a retried upload
// is harmless), a local spool for bundles whose upload failed (Flush sends
// them on the next run), and Mirror, which copies a location's bundles into
// a local directory, verifying each sha256, so that every command that reads
// a directory of bundles reads s3://bucket/prefix the same way.
//
// Credentials come from the standard AWS environment variables
// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN) or the shared
// credentials file (AWS_SHARED_CREDENTIALS_FILE, AWS_PROFILE), never from
// arguments. It never parses bundle members and never prints; errors name
// the endpoint, bucket and key, never a credential.
package s3store

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"github.com/ksnap/ksnap/capture/bundle"
)

// Scheme is the URL scheme of a bundle location in S3.
const Scheme = "s3://"

// MetaSHA256 is the user-metadata key holding an object's hex sha256.
const MetaSHA256 = "Ksnap-Sha256"

// Location is a bucket and a key prefix ("" or ending in "/").
type Location struct {
	Bucket, Prefix string
}

// String renders the location as s3://bucket/prefix.
func (l Location) String() string { return Scheme + l.Bucket + "/" + l.Prefix }

// ErrBadURL is returned (wrapped) by ParseURL.
var ErrBadURL = errors.New("not an s3://bucket/prefix location")

// IsURL reports whether s names an S3 location.
func IsURL(s string) bool { return strings.HasPrefix(s, Scheme) }

// ParseURL parses s3://bucket[/prefix].
func ParseURL(s string) (Location, error) {
	rest, ok := strings.CutPrefix(s, Scheme)
	if !ok {
		return Location{}, fmt.Errorf("%q: %w", s, ErrBadURL)
	}
	bucket, prefix, _ := strings.Cut(rest, "/")
	if bucket == "" || strings.ContainsAny(bucket, "?#@:") || strings.Contains(prefix, "..") {
		return Location{}, fmt.Errorf("%q: %w", s, ErrBadURL)
	}
	prefix = strings.Trim(prefix, "/")
	if prefix != "" {
		prefix += "/"
	}
	return Location{Bucket: bucket, Prefix: prefix}, nil
}

// Options configure Open.
type Options struct {
	// Endpoint is the server's URL (http://127.0.0.1:8333) or host; empty
	// means AWS S3 (s3.amazonaws.com). Callers take it from
	// AWS_ENDPOINT_URL_S3 or AWS_ENDPOINT_URL.
	Endpoint string
	// Region is the bucket's region (AWS_REGION); empty lets the client ask.
	Region string
	// Creds overrides the default chain (environment, then shared file).
	Creds *credentials.Credentials
}

// Store is one S3 location.
type Store struct {
	c    *minio.Client
	loc  Location
	host string
}

// Open prepares a client for loc. It makes no request.
func Open(loc Location, opts Options) (*Store, error) {
	host, secure := "s3.amazonaws.com", true
	if opts.Endpoint != "" {
		ep := opts.Endpoint
		if !strings.Contains(ep, "://") {
			ep = "https://" + ep
		}
		u, err := url.Parse(ep)
		if err != nil || u.Host == "" {
			return nil, fmt.Errorf("S3 endpoint %q: not a URL", opts.Endpoint)
		}
		host, secure = u.Host, u.Scheme != "http"
	}
	creds := opts.Creds
	if creds == nil {
		creds = credentials.NewChainCredentials([]credentials.Provider{
			&credentials.EnvAWS{},
			&credentials.FileAWSCredentials{},
		})
	}
	c, err := minio.New(host, &minio.Options{Creds: creds, Secure: secure, Region: opts.Region, MaxRetries: 3})
	if err != nil {
		return nil, fmt.Errorf("S3 %s: %w", host, err)
	}
	return &Store{c: c, loc: loc, host: host}, nil
}

// String names the store: s3://bucket/prefix (at host).
func (s *Store) String() string { return s.loc.String() + " (at " + s.host + ")" }

// Error is a failed request: where and what, with the server's code.
type Error struct {
	Store string
	Key   string
	Op    string
	Err   error
}

func (e *Error) Error() string {
	msg := e.Err.Error()
	var r minio.ErrorResponse
	if errors.As(e.Err, &r) && r.Code != "" {
		msg = r.Code + ": " + r.Message
	}
	return fmt.Sprintf("%s: %s %s: %s", e.Store, e.Op, e.Key, msg)
}
func (e *Error) Unwrap() error { return e.Err }

func (s *Store) fail(op, key string, err error) error {
	return &Error{Store: s.String(), Key: key, Op: op, Err: err}
}

// Key returns the object key of a bundle file captured at t on cluster:
// PREFIX/CLUSTER/YYYY/MM/DD/FILE (UTC date; cluster "_" when empty).
func (s *Store) Key(cluster string, t time.Time, file string) string {
	return s.loc.Prefix + keyPath(cluster, t, file)
}

// keyPath is a key without the prefix (also the spool's layout).
func keyPath(cluster string, t time.Time, file string) string {
	if cluster == "" {
		cluster = "_"
	}
	return cluster + "/" + t.UTC().Format("2006/01/02") + "/" + filepath.Base(file)
}

// ErrConflict is returned (wrapped) when an object already holds other bytes.
var ErrConflict = errors.New("object exists with another sha256")

// UploadResult says what Upload did.
type UploadResult struct {
	Key    string
	SHA256 string
	// Existed is set when the object was already there with this sha256.
	Existed bool
}

// Upload puts the bundle file at p under Key(cluster, t, p), its sha256 in
// the metadata. When the object is already there with the same sha256 it
// sends nothing; with another sha256 it fails with ErrConflict (never
// overwrites).
func (s *Store) Upload(ctx context.Context, p, cluster string, t time.Time) (UploadResult, error) {
	data, err := os.ReadFile(p)
	if err != nil {
		return UploadResult{}, err
	}
	sum := sha256.Sum256(data)
	res := UploadResult{Key: s.Key(cluster, t, p), SHA256: hex.EncodeToString(sum[:])}
	info, err := s.c.StatObject(ctx, s.loc.Bucket, res.Key, minio.StatObjectOptions{})
	if err == nil {
		if metaSHA(info) == res.SHA256 {
			res.Existed = true
			return res, nil
		}
		return res, s.fail("upload", res.Key, ErrConflict)
	}
	if minio.ToErrorResponse(err).Code != minio.NoSuchKey {
		return res, s.fail("stat", res.Key, err)
	}
	_, err = s.c.PutObject(ctx, s.loc.Bucket, res.Key, bytes.NewReader(data), int64(len(data)), minio.PutObjectOptions{
		ContentType:  "application/zstd",
		UserMetadata: map[string]string{MetaSHA256: res.SHA256},
	})
	if err != nil {
		return res, s.fail("upload", res.Key, err)
	}
	return res, nil
}

func metaSHA(info minio.ObjectInfo) string {
	for k, v := range info.UserMetadata {
		if strings.EqualFold(k, MetaSHA256) || strings.EqualFold(k, "X-Amz-Meta-"+MetaSHA256) {
			return v
		}
	}
	return info.Metadata.Get("X-Amz-Meta-" + MetaSHA256)
}

// Object is one bundle in the store.
type Object struct {
	Key  string
	Size int64
}

// List returns the bundle objects (names ending in bundle.Extension) under
// the prefix, at any depth, sorted by key.
func (s *Store) List(ctx context.Context) ([]Object, error) {
	var out []Object
	for o := range s.c.ListObjects(ctx, s.loc.Bucket, minio.ListObjectsOptions{Prefix: s.loc.Prefix, Recursive: true}) {
		if o.Err != nil {
			return nil, s.fail("list", s.loc.Prefix, o.Err)
		}
		if strings.HasSuffix(o.Key, bundle.Extension) && !strings.HasPrefix(path.Base(o.Key), ".") {
			out = append(out, Object{Key: o.Key, Size: o.Size})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
	return out, nil
}

// ErrChecksum is returned (wrapped) when a downloaded object's bytes do not
// match the sha256 in its metadata.
var ErrChecksum = errors.New("sha256 does not match the object's metadata")

// Get returns the object's bytes, checked against its sha256 metadata
// (an object without one is returned unchecked).
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	obj, err := s.c.GetObject(ctx, s.loc.Bucket, key, minio.GetObjectOptions{})
	if err != nil {
		return nil, s.fail("get", key, err)
	}
	defer obj.Close()
	info, err := obj.Stat()
	if err != nil {
		return nil, s.fail("get", key, err)
	}
	data, err := io.ReadAll(obj)
	if err != nil {
		return nil, s.fail("get", key, err)
	}
	if want := metaSHA(info); want != "" {
		sum := sha256.Sum256(data)
		if hex.EncodeToString(sum[:]) != want {
			return nil, s.fail("get", key, ErrChecksum)
		}
	}
	return data, nil
}

// Mirror makes dir hold every bundle of the store (by file name: bundle
// names carry the manifest's hash, so they do not collide across clusters)
// and returns how many it downloaded. Files already in dir with the
// object's size are kept; each download is checked and written atomically.
// Readers then treat dir as the location.
func (s *Store) Mirror(ctx context.Context, dir string) (int, error) {
	objs, err := s.List(ctx)
	if err != nil {
		return 0, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, err
	}
	n := 0
	for _, o := range objs {
		p := filepath.Join(dir, path.Base(o.Key))
		if st, err := os.Stat(p); err == nil && st.Size() == o.Size {
			continue
		}
		data, err := s.Get(ctx, o.Key)
		if err != nil {
			return n, err
		}
		if err := bundle.WriteFileAtomic(p, data); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Spool is a local directory keeping the bundles whose upload failed, at
// SPOOL/CLUSTER/YYYY/MM/DD/FILE (the key without the prefix), until Flush
// sends them.
type Spool struct {
	Dir string
}

// Keep copies the bundle at p, captured at t on cluster, into the spool.
func (sp Spool) Keep(p, cluster string, t time.Time) error {
	data, err := os.ReadFile(p)
	if err != nil {
		return err
	}
	dst := filepath.Join(sp.Dir, filepath.FromSlash(keyPath(cluster, t, p)))
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	return bundle.WriteFileAtomic(dst, data)
}

// Flush uploads every spooled bundle to s and removes it from the spool once
// stored. It stops at the first failure (the rest stay spooled) and returns
// the results of those sent.
func (sp Spool) Flush(ctx context.Context, s *Store) ([]UploadResult, error) {
	var spooled []string
	err := filepath.WalkDir(sp.Dir, func(p string, d os.DirEntry, err error) error {
		if errors.Is(err, os.ErrNotExist) && p == sp.Dir {
			return filepath.SkipDir
		}
		if err != nil {
			return err
		}
		if d.Type().IsRegular() && strings.HasSuffix(d.Name(), bundle.Extension) && !strings.HasPrefix(d.Name(), ".") {
			spooled = append(spooled, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var out []UploadResult
	for _, p := range spooled {
		rel, err := filepath.Rel(sp.Dir, p)
		if err != nil {
			return out, err
		}
		parts := strings.Split(filepath.ToSlash(rel), "/")
		if len(parts) != 5 {
			continue // not laid out by Keep
		}
		t, err := time.Parse("2006/01/02", strings.Join(parts[1:4], "/"))
		if err != nil {
			continue
		}
		cluster := parts[0]
		if cluster == "_" {
			cluster = ""
		}
		r, err := s.Upload(ctx, p, cluster, t)
		if err != nil {
			return out, err
		}
		if err := os.Remove(p); err != nil {
			return out, err
		}
		out = append(out, r)
	}
	return out, nil
}

// Put uploads the bundle at p; when that fails it keeps the bundle in the
// spool (if sp.Dir is set) and returns the upload error wrapped with
// ErrSpooled, so that a caller can warn and go on: nothing is lost.
func (sp Spool) Put(ctx context.Context, s *Store, p, cluster string, t time.Time) (UploadResult, error) {
	r, err := s.Upload(ctx, p, cluster, t)
	if err == nil || sp.Dir == "" || errors.Is(err, ErrConflict) {
		return r, err
	}
	if kerr := sp.Keep(p, cluster, t); kerr != nil {
		return r, fmt.Errorf("%w (and spooling failed: %v)", err, kerr)
	}
	return r, fmt.Errorf("%w: %w", ErrSpooled, err)
}

// ErrSpooled marks an upload that failed and was kept in the spool.
var ErrSpooled = errors.New("upload failed, bundle kept in the spool for the next run")
