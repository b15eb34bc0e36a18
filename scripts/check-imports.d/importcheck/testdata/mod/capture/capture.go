// Package capture stands in for the capture code.
package capture

// X is a stand-in.
var X = 1
