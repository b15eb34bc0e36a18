// Package jsonl is a local file store: no network.
package jsonl

import "net"

// D keeps net used.
var D = net.Dialer{}
