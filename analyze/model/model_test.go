package model

import (
	"encoding/json"
	"testing"
)

func TestLevel(t *testing.T) {
	tests := []struct {
		l    Level
		text string
	}{{LevelOK, "OK"}, {LevelWarn, "WARN"}, {LevelUnknown, "UNKNOWN"}, {LevelError, "ERROR"}}
	for _, tt := range tests {
		b, err := json.Marshal(tt.l)
		if err != nil || string(b) != `"`+tt.text+`"` {
			t.Errorf("Marshal(%d) = %s, %v", tt.l, b, err)
		}
		var back Level
		if err := json.Unmarshal(b, &back); err != nil || back != tt.l {
			t.Errorf("Unmarshal(%s) = %v, %v", b, back, err)
		}
	}
	// ERROR > UNKNOWN > WARN > OK.
	if LevelOK.Worst(LevelWarn) != LevelWarn || LevelWarn.Worst(LevelUnknown) != LevelUnknown || LevelError.Worst(LevelUnknown) != LevelError {
		t.Error("Worst order is not ERROR > UNKNOWN > WARN > OK")
	}
	var l Level
	if err := l.UnmarshalText([]byte("ok")); err == nil || err.Error() != `unknown level "ok" (want OK, WARN, UNKNOWN or ERROR)` {
		t.Errorf("UnmarshalText(ok) err = %v", err)
	}
	if _, err := Level(9).MarshalText(); err == nil {
		t.Error("MarshalText(9) succeeded")
	}
}

func TestJobPhaseText(t *testing.T) {
	for p := PhaseUnknown; p <= PhaseSuspended; p++ {
		b, err := p.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back JobPhase
		if err := back.UnmarshalText(b); err != nil || back != p {
			t.Errorf("round trip %s: %v %v", b, back, err)
		}
	}
	if PhaseSuspended.String() != "SUSPENDED" || JobPhase(42).String() != "JobPhase(42)" {
		t.Error("String")
	}
}

func TestOptInt(t *testing.T) {
	if (OptInt{}).String() != "-" || Some(0).String() != "0" || (OptInt{}).Or(6) != 6 || Some(2).Or(6) != 2 {
		t.Error("OptInt")
	}
}
