// Package cobra is a stand-in for the real cobra in importcheck's tests.
package cobra

// Command is a stand-in.
type Command struct{}
