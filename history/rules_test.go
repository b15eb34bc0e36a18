package history_test

import (
	"os"
	"strings"
	"testing"

	"github.com/ksnap/ksnap/history"
)

// Every history rule is declared once, with a unique code, and its doc
// line is its row in docs/rules.md.
func TestRulesDeclaredAndDocumented(t *testing.T) {
	doc, err := os.ReadFile("../docs/rules.md")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, r := range history.Rules() {
		if r.Code == "" || r.Doc == "" || seen[r.Code] {
			t.Errorf("rule %+v: empty or duplicate", r)
		}
		seen[r.Code] = true
		row := "| " + r.Code + " (history) | " + r.Doc + " | " + r.Level.String() + " |"
		if !strings.Contains(string(doc), row) {
			t.Errorf("docs/rules.md has no row %q", row)
		}
	}
}
