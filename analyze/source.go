// Package analyze owns ksnap's replay analysis: it reads a bundle through
// the small Source interface, parses members with analyze/parse, correlates
// pods and events with their Jobs into facts, lets a rule set of
// analyze/rules derive Job phases and judge them (J0–J9, J11–J14, P1–P17, E1–E7,
// O1–O5; see docs/rules.md), and assembles the findings into a Report with a verdict
// (sorting, health, counts); it raises no finding itself.
// It also renders reports as text, JSON and JUnit.
//
// "Now" is always the manifest's capture time: the package never reads the
// wall clock, never touches kubectl and writes only to the writer it is
// given. Every list in a Report has a documented sort order
// (docs/report-schema.md), so the same bundle and options always give the
// same bytes.
package analyze

import (
	"github.com/ksnap/ksnap/capture/bundle"
)

// Source is what the analyzer reads: a manifest and members by name.
// *bundle.Bundle satisfies it through FromBundle; tests use MapSource.
type Source interface {
	// Manifest returns the bundle's manifest.
	Manifest() *bundle.Manifest
	// Member returns a member's bytes. The analyzer never modifies them.
	Member(name string) ([]byte, error)
	// Name is the bundle's file name, shown in reports.
	Name() string
	// SHA256 is the hex sha256 of the bundle file, shown in reports.
	SHA256() string
}

// FromBundle adapts an opened bundle to Source.
func FromBundle(b *bundle.Bundle) Source { return bundleSource{b} }

type bundleSource struct{ b *bundle.Bundle }

func (s bundleSource) Manifest() *bundle.Manifest         { return s.b.Manifest }
func (s bundleSource) Member(name string) ([]byte, error) { return s.b.Member(name) }
func (s bundleSource) Name() string                       { return s.b.Name() }
func (s bundleSource) SHA256() string                     { return s.b.SHA256 }

// MapSource is a Source held in memory, for tests and for callers that
// build bundles on the fly.
type MapSource struct {
	// File is returned by Name, Sum by SHA256.
	File, Sum string
	Man       *bundle.Manifest
	Members   map[string][]byte
}

// Manifest returns s.Man.
func (s *MapSource) Manifest() *bundle.Manifest { return s.Man }

// Member returns s.Members[name], or an error wrapping bundle.ErrNoMember.
func (s *MapSource) Member(name string) ([]byte, error) {
	d, ok := s.Members[name]
	if !ok {
		return nil, &memberMissingError{name}
	}
	return d, nil
}

// Name returns s.File.
func (s *MapSource) Name() string { return s.File }

// SHA256 returns s.Sum.
func (s *MapSource) SHA256() string { return s.Sum }

type memberMissingError struct{ name string }

func (e *memberMissingError) Error() string {
	return "member " + e.name + ": " + bundle.ErrNoMember.Error()
}
func (e *memberMissingError) Unwrap() error { return bundle.ErrNoMember }
