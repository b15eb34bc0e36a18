// Package pipeline owns ksnap's one way from a bundle to a verdict and a
// history record: open and verify a bundle, evaluate it under a rule set,
// map the report onto a history record, and append it to a history store.
// record, watch, analyze DIR and history rebuild all go through it, which is
// what makes a rebuilt history byte-identical to the one record appended.
//
// It also owns the ordered, bounded worker pool for batch work (Ordered).
//
// It returns values and typed errors; it never prints, never reads the wall
// clock for analysis (only capture stamps its start and end), and knows
// nothing of cobra or of output formats: callers render what it returns.
package pipeline
