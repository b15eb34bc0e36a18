// Package junit is a renderer: encoding/xml and text/template are allowed,
// the clock is not.
package junit

import (
	"encoding/xml"
	"text/template"
	"time"
)

// T keeps the imports used.
var T = template.New("x")

// H keeps encoding/xml used.
var H = xml.Header

// Now is forbidden in a renderer.
func Now() time.Time { return time.Now() }
