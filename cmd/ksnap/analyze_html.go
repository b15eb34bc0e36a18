package main

// formatHTML is analyze's -o html: one self-contained page of every report.
const formatHTML = "html"

// renderedAtEnd reports whether a format renders all reports at once, after
// the last bundle (junit and html), rather than one by one.
func renderedAtEnd(format string) bool { return format == formatJUnit || format == formatHTML }
