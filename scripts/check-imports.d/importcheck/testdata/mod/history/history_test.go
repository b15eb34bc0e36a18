package history

import (
	"testing"
	"time"
)

// Test files are not checked.
func TestX(t *testing.T) { _ = time.Now() }
