// Package html renders ksnap's HTML pages: the history dashboard (a
// dashboard.Dashboard) and the incident report of analysed bundles
// (analyze.Report), each one self-contained file.
//
// A page references nothing outside itself: no script, no font, no image,
// no http: or https: URL; its Content-Security-Policy is default-src 'none'
// with the one inline style sheet allowed by its sha256. Pictures are inline
// SVG, tooltips SVG <title> elements, target filters CSS :target, so no
// JavaScript is needed. Every value goes through html/template's contextual
// escaping. Output depends only on the value given (no clock, no time zone,
// no map order), so equal inputs give equal bytes.
//
// It never opens files or the network and never evaluates anything.
package html

import (
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed page.css *.tmpl
var files embed.FS

// css is the one style sheet; cspContent allows exactly it.
var (
	css        = mustRead("page.css")
	cspContent = "default-src 'none'; style-src 'sha256-" + hashOf(css) + "'; img-src 'none'; form-action 'none'; base-uri 'none'"
	pages      = template.Must(template.New("").Funcs(template.FuncMap{
		"ts":    fmtTime,
		"age":   fmtAge,
		"lower": strings.ToLower,
		"ageOr": ageOr,
		"opt":   optInt,
	}).ParseFS(files, "*.tmpl"))
)

func mustRead(name string) string {
	b, err := files.ReadFile(name)
	if err != nil {
		panic(err)
	}
	return string(b)
}

func hashOf(s string) string {
	h := sha256.Sum256([]byte(s))
	return base64.StdEncoding.EncodeToString(h[:])
}

// head is what every page's <head> needs.
type head struct {
	Title string
	CSP   string
	CSS   template.CSS
}

func newHead(title string) head {
	return head{Title: title, CSP: cspContent, CSS: template.CSS(css)}
}

func execute(w io.Writer, name string, data any) error {
	if err := pages.ExecuteTemplate(w, name, data); err != nil {
		return fmt.Errorf("render html: %w", err)
	}
	return nil
}

// fmtTime prints t as RFC 3339 UTC to the second, "-" when zero.
func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02T15:04:05Z")
}

// fmtAge prints d to two units (3d4h, 5h12m, 7m30s, 12s).
func fmtAge(d time.Duration) string {
	d = d.Round(time.Second)
	switch {
	case d >= 24*time.Hour:
		return fmt.Sprintf("%dd%dh", d/(24*time.Hour), d%(24*time.Hour)/time.Hour)
	case d >= time.Hour:
		return fmt.Sprintf("%dh%dm", d/time.Hour, d%time.Hour/time.Minute)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%ds", d/time.Minute, d%time.Minute/time.Second)
	}
	return fmt.Sprintf("%ds", d/time.Second)
}
