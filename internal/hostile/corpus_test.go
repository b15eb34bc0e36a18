package hostile

import (
	"os"
	"testing"
)

func TestCorpusIsSmallAndDeterministic(t *testing.T) {
	for _, c := range Cases() {
		if c.Data == nil {
			continue
		}
		a, b := c.Data(), c.Data()
		if len(a) >= 10<<20 {
			t.Errorf("%s: %d bytes, want under 10 MB", c.Name, len(a))
		}
		if string(a) != string(b) {
			t.Errorf("%s: differs between two builds", c.Name)
		}
		if os.Getenv("HOSTILE_SIZES") != "" {
			t.Logf("%-28s %9d bytes", c.Name, len(a))
		}
	}
}
