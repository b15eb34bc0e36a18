package memstore

import (
	"errors"
	"testing"

	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/storetest"
)

func TestConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, storetest.Suite{
		New: func(t *testing.T, report history.Reporter) history.Store {
			return New("mem:"+t.Name(), report)
		},
		Corrupt: func(t *testing.T, st history.Store) {
			st.(*Store).AppendCorrupt(errors.New("not a record"))
		},
	})
}
