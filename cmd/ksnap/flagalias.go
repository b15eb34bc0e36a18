package main

import (
	"fmt"
	"io"

	"github.com/spf13/pflag"
)

// deprecatedAlias registers oldName (and its one-letter shorthand, if any)
// as a hidden alias of the flag newName in fs: setting it sets newName
// (Changed included, so flag > env > default still holds) and prints one
// line on w, once per process, naming the new spelling (nothing when w is
// nil: see compatAlias). Old command lines keep working; help shows only
// the new name.
func deprecatedAlias(fs *pflag.FlagSet, w io.Writer, oldName, shorthand, newName string) {
	target := fs.Lookup(newName)
	if target == nil {
		panic("deprecatedAlias: no flag --" + newName) // a programming error, caught by every command test
	}
	v := &aliasValue{fs: fs, w: w, old: oldName, short: shorthand, new: newName, typ: target.Value.Type()}
	f := fs.VarPF(v, oldName, shorthand, "deprecated: use --"+newName)
	f.Hidden = true
	if target.NoOptDefVal != "" {
		f.NoOptDefVal = target.NoOptDefVal
	}
}

// aliasValue forwards Set to the new flag.
type aliasValue struct {
	fs       *pflag.FlagSet
	w        io.Writer
	old      string
	short    string
	new      string
	typ      string
	warned   bool
	lastSeen string
}

func (a *aliasValue) String() string { return a.lastSeen }
func (a *aliasValue) Type() string   { return a.typ }

func (a *aliasValue) Set(s string) error {
	if !a.warned && a.w != nil {
		a.warned = true
		spelling := "--" + a.old
		if a.short != "" {
			spelling = "-" + a.short + "/--" + a.old
		}
		fmt.Fprintf(a.w, "ksnap: warning: %s is deprecated and will be removed; use --%s\n", spelling, a.new)
	}
	a.lastSeen = s
	return a.fs.Set(a.new, s)
}
