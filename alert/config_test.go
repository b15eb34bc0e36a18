package alert

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestParseConfig(t *testing.T) {
	t.Parallel()
	three, zero := 3, 0
	tests := []struct {
		name    string
		in      string
		want    *Config
		wantErr string
	}{
		{
			name: "defaults",
			in:   "sinks:\n  - {name: am, type: alertmanager, url_env: AM}\n",
			want: &Config{On: "error", StaleAfter: &three, CaptureInterval: Duration(5 * time.Minute), MaxAlerts: 20, Timeout: Duration(2 * time.Minute),
				Sinks: []SinkConfig{{Name: "am", Type: "alertmanager", URLEnv: "AM"}}},
		},
		{
			name: "json, every key",
			in: `{"history_file":"h.jsonl","ledger_file":"l.jsonl","bundle_dir":"b","fire_on":"warn","for":2,"keep_firing_for":3,"stale_after":0,
"capture_interval":"1m","max_alerts":5,"timeout":"30s","sinks":[{"name":"s","type":"slack","url_file":"f","token_env":"T"}]}`,
			want: &Config{HistoryFile: "h.jsonl", LedgerFile: "l.jsonl", BundleDir: "b", On: "warn", For: 2, KeepFiringFor: 3, StaleAfter: &zero,
				CaptureInterval: Duration(time.Minute), MaxAlerts: 5, Timeout: Duration(30 * time.Second),
				Sinks: []SinkConfig{{Name: "s", Type: "slack", URLFile: "f", TokenEnv: "T"}}},
		},
		{name: "a literal url is refused", in: "sinks:\n  - {name: s, type: slack, url: https://hooks.example/x}\n",
			wantErr: `not a valid alert config: error unmarshaling JSON: while decoding JSON: json: unknown field "url"`},
		{name: "no url source", in: "sinks:\n  - {name: s, type: slack}\n", wantErr: "sinks[0] (s): set exactly one of url_file and url_env"},
		{name: "two url sources", in: "sinks:\n  - {name: s, type: slack, url_env: A, url_file: b}\n", wantErr: "sinks[0] (s): set exactly one of url_file and url_env"},
		{name: "bad type", in: "sinks:\n  - {name: s, type: pager, url_env: A}\n", wantErr: `sinks[0] (s): type "pager": want alertmanager, webhook or slack`},
		{name: "duplicate name", in: "sinks:\n  - {name: s, type: slack, url_env: A}\n  - {name: s, type: webhook, url_env: B}\n", wantErr: `sinks[1]: name "s" is used twice`},
		{name: "bad fire_on", in: "fire_on: ok\nsinks: []\n", wantErr: `fire_on: "ok": want error or warn`},
		{name: "a bare on key is YAML 1.1 true, refused", in: "on: warn\nsinks: []\n", wantErr: `not a valid alert config: error unmarshaling JSON: while decoding JSON: json: unknown field "true"`},
		{name: "bad duration", in: "capture_interval: 5\nsinks: []\n", wantErr: `not a valid alert config: error unmarshaling JSON: while decoding JSON: "5" is not a non-negative duration like "5m"`},
		{name: "negative", in: "for: -1\nsinks: []\n", wantErr: "for, keep_firing_for and max_alerts must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseConfig([]byte(tt.in))
			gotErr := ""
			if err != nil {
				gotErr = err.Error()
			}
			if gotErr != tt.wantErr {
				t.Fatalf("err = %q, want %q", gotErr, tt.wantErr)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("config = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestLoadConfigErrorNamesFile(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "alerts.yaml")
	if _, err := LoadConfig(p); err == nil || err.Error() != p+": no such file" {
		t.Errorf("err = %v", err)
	}
	os.WriteFile(p, []byte("on: [\n"), 0o644)
	if _, err := LoadConfig(p); err == nil || err.Error()[:len(p)+1] != p+":" {
		t.Errorf("err = %v", err)
	}
}

func FuzzParseConfig(f *testing.F) {
	f.Add([]byte("sinks:\n  - {name: am, type: alertmanager, url_env: AM}\n"))
	f.Add([]byte(`{"fire_on":"warn","sinks":[]}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := ParseConfig(b)
		if err == nil && (c.StaleAfter == nil || c.MaxAlerts <= 0) {
			t.Errorf("accepted config without defaults: %+v", c)
		}
	})
}

func TestLedgerPath(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"outputs/h.jsonl": "outputs/h.alerts.jsonl", "h": "h.alerts.jsonl", "/a/b.c/h.log": "/a/b.c/h.alerts.jsonl"} {
		if got := LedgerPath(in); got != want {
			t.Errorf("LedgerPath(%q) = %q, want %q", in, got, want)
		}
	}
}
