// Package postgres is the PostgreSQL history store: history.Store over one
// table (ksnap_history) keyed by (cluster, bundle sha256, ruleset; with the
// namespace and selector the bundle fixes anyway), so that
// many ksnap processes on many machines append to one place and replaying a
// bundle twice adds nothing. It owns the schema and its migrations
// (Migrate, never implicit: Open fails with a *SchemaError on a missing or
// old schema), store order (an identity column), filters pushed into SQL,
// batched prune in one transaction, and an advisory lock (TryLock) for
// single-instance jobs such as the alerter.
//
// Each row keeps the record's exact JSONL line (text) next to a jsonb copy
// for queries, so an export writes back the bytes that were imported.
//
// It never prints, never reads flags or the environment itself (pgx reads
// the libpq PG* variables and the passfile), and never puts a password in
// an error: messages name host, port and database only.
package postgres

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/ksnap/ksnap/history"
)

// Options configure Open.
type Options struct {
	// MaxConns caps the pool (0: pgx's default, max(4, GOMAXPROCS)).
	MaxConns int32
	// ConnectTimeout bounds each connection attempt (0: 10 s).
	ConnectTimeout time.Duration
	// Report receives the rows whose line does not decode (only a table
	// written by something else has them), as they are met; nil discards.
	Report history.Reporter
}

// Store is a history.Store in a PostgreSQL database.
type Store struct {
	pool   *pgxpool.Pool
	name   string
	report history.Reporter
}

var _ history.Store = (*Store)(nil)

// ErrConnect is the cause (wrapped) of every failure to reach the server.
var ErrConnect = errors.New("cannot connect")

// ErrBadLocation is returned (wrapped) for a location pgx cannot parse.
var ErrBadLocation = errors.New("invalid PostgreSQL location")

// Open connects to the database at loc (a postgres:// URL or a libpq
// key=value string; a password comes from the libpq environment, a
// passfile, or loc itself, which the caller must keep out of argv) and
// checks that its schema is SchemaVersion.
func Open(ctx context.Context, loc string, opts Options) (*Store, error) {
	s, err := open(ctx, loc, opts)
	if err != nil {
		return nil, err
	}
	have, err := schemaVersion(ctx, s.pool)
	if err != nil {
		s.Close()
		return nil, s.wrap("read schema version", err)
	}
	if have != SchemaVersion {
		s.Close()
		return nil, &SchemaError{Store: s.name, Have: have, Want: SchemaVersion}
	}
	return s, nil
}

// open connects without looking at the schema (Migrate creates it).
func open(ctx context.Context, loc string, opts Options) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(loc)
	if err != nil {
		// pgx's message quotes the location; ours never does.
		return nil, fmt.Errorf("%s: %w", Name(loc), ErrBadLocation)
	}
	if opts.MaxConns > 0 {
		cfg.MaxConns = opts.MaxConns
	}
	cfg.ConnConfig.ConnectTimeout = opts.ConnectTimeout
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		cfg.ConnConfig.RuntimeParams["application_name"] = "ksnap"
	}
	s := &Store{name: nameOf(cfg.ConnConfig.Host, cfg.ConnConfig.Port, cfg.ConnConfig.Database), report: opts.Report}
	s.pool, err = pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, s.wrap("connect", err)
	}
	if err := s.pool.Ping(ctx); err != nil {
		s.pool.Close()
		return nil, s.wrap("connect", err)
	}
	return s, nil
}

// Name returns how a location is named in messages: postgres://HOST:PORT/DB
// with no user, password or parameters. A location that does not parse as a
// URL is named by its host and dbname keys when present.
func Name(loc string) string {
	cfg, err := pgconn.ParseConfig(loc)
	if err != nil {
		return "postgres"
	}
	return nameOf(cfg.Host, cfg.Port, cfg.Database)
}

func nameOf(host string, port uint16, db string) string {
	if strings.HasPrefix(host, "/") {
		return "postgres://" + host + "/" + db // a Unix socket directory
	}
	return "postgres://" + net.JoinHostPort(host, strconv.Itoa(int(port))) + "/" + db
}

// String names the store: postgres://HOST:PORT/DB.
func (s *Store) String() string { return s.name }

// Close closes the pool.
func (s *Store) Close() error {
	s.pool.Close()
	return nil
}

// wrap turns a pgx error into one line naming the store: the server's
// message for a server error, the innermost cause for a network error. Any
// failure on the way to a connection (op "connect", or a dial or handshake
// error later) is a *ConnectError (errors.Is ErrConnect).
func (s *Store) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var se *SchemaError
	if errors.As(err, &se) {
		return err
	}
	var connErr *pgconn.ConnectError
	var netErr *net.OpError
	if op == "connect" || errors.As(err, &connErr) || errors.As(err, &netErr) {
		return &ConnectError{Store: s.name, Msg: message(err), Err: err}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("%s: %s: %w", s.name, op, err)
	}
	return &Error{Store: s.name, Op: op, Msg: message(err), Err: err}
}

// message is err in one line without what pgx adds around it (which
// quotes the user and database): the server's message and SQLSTATE, the
// network error, or the innermost cause.
func message(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Message + " (SQLSTATE " + pgErr.Code + ")"
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err.Error()
	}
	for u := errors.Unwrap(err); u != nil; u = errors.Unwrap(err) {
		err = u
	}
	return err.Error()
}

// ConnectError is a failure to reach or log in to the server. It is
// errors.Is ErrConnect, and errors.Is the context's error when that was the
// cause.
type ConnectError struct {
	Store, Msg string
	Err        error
}

func (e *ConnectError) Error() string   { return e.Store + ": " + ErrConnect.Error() + ": " + e.Msg }
func (e *ConnectError) Unwrap() []error { return []error{ErrConnect, e.Err} }

// Error is a failed statement: the store, what was being done and the
// server's one-line message. Err is pgx's error (for errors.As on
// *pgconn.PgError); its text is not used, since it may quote values.
type Error struct {
	Store, Op, Msg string
	Err            error
}

func (e *Error) Error() string { return e.Store + ": " + e.Op + ": " + e.Msg }
func (e *Error) Unwrap() error { return e.Err }

// row is one record as stored.
type row struct {
	rec  *history.Record
	line []byte
}

// RecordKey returns the key that makes a record unique within its cluster
// and ruleset: its bundle's sha256, or for a record without one (old-tool
// lines) "line:" and the sha256 of its line.
func RecordKey(r *history.Record, line []byte) string {
	if r.BundleSHA256 != "" {
		return r.BundleSHA256
	}
	sum := sha256.Sum256(line)
	return "line:" + hex.EncodeToString(sum[:])
}

// jsonbOf returns the line as jsonb input: PostgreSQL's jsonb refuses the
// NUL character (\u0000), which JSON allows; the query copy gets U+FFFD
// instead (the line column keeps the exact bytes).
func jsonbOf(line []byte) string {
	s := string(line)
	if strings.Contains(s, `\u0000`) {
		s = strings.ReplaceAll(s, `\u0000`, `\ufffd`)
	}
	return s
}

const insertSQL = `INSERT INTO ksnap_history
	(cluster, record_key, ruleset, captured_at, captured_ns, namespace, selector, overall_health, bundle, record, line)
SELECT c, k, rs, to_timestamp(ns / 1000000000.0), ns, n, sel, h, b, j::jsonb, l
FROM unnest($1::text[], $2::text[], $3::text[], $4::int8[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[], $10::text[])
	WITH ORDINALITY AS u(c, k, rs, ns, n, sel, h, b, j, l, ord)
ORDER BY ord
ON CONFLICT ON CONSTRAINT ksnap_history_key DO NOTHING`

// insertBatch is how many rows one INSERT carries.
const insertBatch = 1000

// insert writes rows in order in one transaction and returns how many were
// new (rows whose key is already stored are skipped).
func (s *Store) insert(ctx context.Context, rows []row) (int, error) {
	if len(rows) == 0 {
		return 0, nil
	}
	added := 0
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		for start := 0; start < len(rows); start += insertBatch {
			part := rows[start:min(start+insertBatch, len(rows))]
			cols := make([][]string, 10)
			for i := range cols {
				if i != 3 {
					cols[i] = make([]string, len(part))
				}
			}
			ns := make([]int64, len(part))
			for i, r := range part {
				cols[0][i] = r.rec.Cluster
				cols[1][i] = RecordKey(r.rec, r.line)
				cols[2][i] = r.rec.Ruleset
				ns[i] = r.rec.Time.UnixNano()
				cols[4][i] = r.rec.Namespace
				cols[5][i] = r.rec.Selector
				cols[6][i] = r.rec.OverallHealth
				cols[7][i] = r.rec.Bundle
				cols[8][i] = jsonbOf(r.line)
				cols[9][i] = string(r.line)
			}
			tag, err := tx.Exec(ctx, insertSQL, cols[0], cols[1], cols[2], ns, cols[4], cols[5], cols[6], cols[7], cols[8], cols[9])
			if err != nil {
				return err
			}
			added += int(tag.RowsAffected())
		}
		return nil
	})
	if err != nil {
		return 0, s.wrap("append", err)
	}
	return added, nil
}

// Append adds recs in order, in one transaction (all or none). A record
// whose key (cluster, RecordKey, ruleset, namespace, selector) is already
// stored is skipped: Lines counts the records actually added.
func (s *Store) Append(ctx context.Context, recs ...history.Record) (history.AppendResult, error) {
	rows := make([]row, len(recs))
	for i := range recs {
		rows[i] = row{rec: &recs[i], line: history.AppendJSON(nil, &recs[i])}
	}
	n, err := s.insert(ctx, rows)
	return history.AppendResult{Lines: n}, err
}

// AppendLines is Append keeping each record's line exactly as given (an
// import from a JSONL file): line must be the record's line without its
// newline. It returns how many were added.
func (s *Store) AppendLines(ctx context.Context, recs []history.Record, lines [][]byte) (int, error) {
	if len(recs) != len(lines) {
		return 0, fmt.Errorf("%s: append: %d records but %d lines", s.name, len(recs), len(lines))
	}
	rows := make([]row, len(recs))
	for i := range recs {
		rows[i] = row{rec: &recs[i], line: lines[i]}
	}
	return s.insert(ctx, rows)
}

// where renders f as a WHERE clause with its arguments.
func where(f history.Filter) (string, []any) {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, fmt.Sprintf(cond, len(args)))
	}
	if f.Cluster != "" {
		add("cluster = $%d", f.Cluster)
	}
	if f.Namespace != "" {
		add("namespace = $%d", f.Namespace)
	}
	if f.Selector != "" {
		add("selector = $%d", f.Selector)
	}
	if !f.Since.IsZero() {
		add("captured_ns >= $%d", f.Since.UnixNano())
	}
	if !f.Until.IsZero() {
		add("captured_ns <= $%d", f.Until.UnixNano())
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// corrupt records a row whose line does not decode (only possible if the
// table was written by something else); Line is the row's seq.
func (s *Store) corrupt(c *history.Corrupt, seq int64, err error) {
	c.Add(history.LineError{Path: s.name, Line: int(seq), Err: err}, s.report)
}

// Tail returns the last n records matching f, oldest first.
func (s *Store) Tail(ctx context.Context, n int, f history.Filter) (*history.Loaded, error) {
	if n <= 0 {
		return nil, fmt.Errorf("limit %d: %w", n, history.ErrBadLimit)
	}
	w, args := where(f)
	args = append(args, n)
	q := `SELECT seq, line FROM (SELECT seq, line FROM ksnap_history` + w +
		fmt.Sprintf(` ORDER BY seq DESC LIMIT $%d) t ORDER BY seq`, len(args))
	out := &history.Loaded{}
	err := s.query(ctx, q, args, func(seq int64, line []byte) error {
		r, err := history.ParseLine(line)
		if err != nil {
			s.corrupt(&out.Corrupt, seq, err)
			return nil
		}
		out.Records = append(out.Records, r)
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Scan calls fn for every record matching f, in store order.
func (s *Store) Scan(ctx context.Context, f history.Filter, fn func(*history.Record) error) (history.Corrupt, error) {
	var c history.Corrupt
	err := s.ScanLines(ctx, f, func(r *history.Record, _ []byte) error { return fn(r) }, &c)
	return c, err
}

// ScanLines is Scan also passing each record's stored line (valid only
// until fn returns); corrupt rows are counted into c.
func (s *Store) ScanLines(ctx context.Context, f history.Filter, fn func(*history.Record, []byte) error, c *history.Corrupt) error {
	w, args := where(f)
	var r history.Record
	var p history.Parser
	return s.query(ctx, `SELECT seq, line FROM ksnap_history`+w+` ORDER BY seq`, args, func(seq int64, line []byte) error {
		// The record may point into line: both are valid until fn returns.
		p.Reset()
		if err := p.Parse(&r, bytes.TrimSpace(line), true); err != nil {
			s.corrupt(c, seq, err)
			return nil
		}
		return fn(&r, line)
	})
}

// query runs q and calls fn per row with the row's seq and line bytes.
func (s *Store) query(ctx context.Context, q string, args []any, fn func(int64, []byte) error) error {
	rows, err := s.pool.Query(ctx, q, args...)
	if err != nil {
		return s.wrap("query", err)
	}
	defer rows.Close()
	for rows.Next() {
		// Rows may already be buffered: a cancelled context stops here.
		if err := ctx.Err(); err != nil {
			return s.wrap("query", err)
		}
		// Raw values: no copy per row (valid until the next Next, which is
		// what fn is told).
		v := rows.RawValues()
		if len(v) != 2 || len(v[0]) == 0 {
			return s.wrap("query", fmt.Errorf("unexpected row shape"))
		}
		var seq int64
		if rows.FieldDescriptions()[0].Format == pgx.BinaryFormatCode && len(v[0]) == 8 {
			seq = int64(binary.BigEndian.Uint64(v[0]))
		} else {
			n, err := strconv.ParseInt(string(v[0]), 10, 64)
			if err != nil {
				return s.wrap("query", err)
			}
			seq = n
		}
		if err := fn(seq, v[1]); err != nil {
			return err // the caller's, as is
		}
	}
	if err := rows.Err(); err != nil {
		return s.wrap("query", err)
	}
	return nil
}

// pruneBatch is how many rows one DELETE removes.
const pruneBatch = 5000

// Prune removes the records p does not keep, with the JSONL file's rules
// (history.PrunePolicy.Keeps over the valid records in store order; a row
// whose line does not decode is removed only before the first kept record),
// in one transaction holding an EXCLUSIVE lock on the table (readers go on;
// appenders wait and are not lost). It reads every row's line once to tell
// valid from corrupt rows, then deletes by seq in batches of pruneBatch.
// Bytes count the stored lines plus a newline each, as the JSONL file would.
func (s *Store) Prune(ctx context.Context, p history.PrunePolicy) (*history.PruneResult, error) {
	if err := p.Check(); err != nil {
		return nil, err
	}
	res := &history.PruneResult{}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `LOCK TABLE ksnap_history IN EXCLUSIVE MODE`); err != nil {
			return err
		}
		type entry struct {
			seq, size int64
			t         time.Time
			valid     bool
		}
		var es []entry
		valid := 0
		var parser history.Parser
		var r history.Record
		rows, err := tx.Query(ctx, `SELECT seq, line FROM ksnap_history ORDER BY seq`)
		if err != nil {
			return err
		}
		for rows.Next() {
			v := rows.RawValues()
			var seq int64
			if err := rows.Scan(&seq, nil); err != nil {
				rows.Close()
				return err
			}
			e := entry{seq: seq, size: int64(len(v[1])) + 1}
			parser.Reset()
			if err := parser.Parse(&r, bytes.TrimSpace(v[1]), true); err != nil {
				s.corrupt(&res.Corrupt, seq, err)
			} else {
				e.valid, e.t = true, r.Time
				valid++
			}
			es = append(es, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		var gone []int64
		seen, keptAny := 0, false
		for _, e := range es {
			res.BytesBefore += e.size
			keep := true
			switch {
			case !e.valid && keptAny:
				res.CorruptKept++
			case !e.valid:
				res.CorruptRemoved++
				keep = false
			default:
				keep = p.Keeps(seen, valid, e.t)
				seen++
				if !keep {
					res.Removed++
					break
				}
				if !keptAny || e.t.Before(res.Oldest) {
					res.Oldest = e.t
				}
				keptAny = true
				res.Kept++
			}
			if keep {
				res.BytesAfter += e.size
			} else {
				gone = append(gone, e.seq)
			}
		}
		if p.DryRun {
			return nil
		}
		for start := 0; start < len(gone); start += pruneBatch {
			part := gone[start:min(start+pruneBatch, len(gone))]
			if _, err := tx.Exec(ctx, `DELETE FROM ksnap_history WHERE seq = ANY($1)`, part); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, s.wrap("prune", err)
	}
	return res, nil
}

// ErrLocked is returned by TryLock when another session holds the lock.
var ErrLocked = errors.New("lock held by another session")

// Lock is a session-level advisory lock held on one pooled connection.
type Lock struct {
	conn *pgxpool.Conn
	key  int64
}

// lockKey maps a lock name onto PostgreSQL's 64-bit advisory lock space.
func lockKey(name string) int64 {
	sum := sha256.Sum256([]byte("ksnap:" + name))
	var k int64
	for _, b := range sum[:8] {
		k = k<<8 | int64(b)
	}
	return k
}

// TryLock takes the advisory lock called name (e.g. "alert") without
// waiting: ErrLocked when another session, on any machine, holds it. The
// lock lasts until Release or until the connection drops (a crashed holder
// frees it).
func (s *Store) TryLock(ctx context.Context, name string) (*Lock, error) {
	conn, err := s.pool.Acquire(ctx)
	if err != nil {
		return nil, s.wrap("lock", err)
	}
	k := lockKey(name)
	var ok bool
	if err := conn.QueryRow(ctx, `SELECT pg_try_advisory_lock($1)`, k).Scan(&ok); err != nil {
		conn.Release()
		return nil, s.wrap("lock", err)
	}
	if !ok {
		conn.Release()
		return nil, fmt.Errorf("%s: %s: %w", s.name, name, ErrLocked)
	}
	return &Lock{conn: conn, key: k}, nil
}

// Release frees the lock and returns its connection to the pool.
func (l *Lock) Release(ctx context.Context) error {
	if l == nil || l.conn == nil {
		return nil
	}
	_, err := l.conn.Exec(ctx, `SELECT pg_advisory_unlock($1)`, l.key)
	if err != nil {
		// The session may still hold the lock: drop the connection.
		l.conn.Conn().Close(ctx)
	}
	l.conn.Release()
	l.conn = nil
	return err
}
