package alert

import (
	"errors"
	"fmt"
	"os"
	"time"

	"sigs.k8s.io/yaml"
)

// Config is the alert config file (YAML or JSON; docs/alerts.md). Secrets
// are never in it: each sink names a file or an environment variable that
// holds its URL (and token).
type Config struct {
	// HistoryFile and LedgerFile default to the command's history file and
	// LedgerPath of it.
	HistoryFile string `json:"history_file,omitempty"`
	LedgerFile  string `json:"ledger_file,omitempty"`
	// BundleDir is where the bundles are, for the reproducing command.
	BundleDir string `json:"bundle_dir,omitempty"`
	// On is "error" (default) or "warn". Its key is fire_on, not on: YAML
	// 1.1 (sigs.k8s.io/yaml) reads a bare on key as the boolean true.
	On            string `json:"fire_on,omitempty"`
	For           int    `json:"for,omitempty"`
	KeepFiringFor int    `json:"keep_firing_for,omitempty"`
	// StaleAfter: nil means 3; 0 disables the stale alert.
	StaleAfter *int `json:"stale_after,omitempty"`
	// CaptureInterval is the cron period of record (default 5m).
	CaptureInterval Duration `json:"capture_interval,omitempty"`
	// MaxAlerts caps the transitions of one message (default 20).
	MaxAlerts int `json:"max_alerts,omitempty"`
	// Timeout bounds one run's delivery to all sinks (default 2m).
	Timeout Duration     `json:"timeout,omitempty"`
	Sinks   []SinkConfig `json:"sinks"`
}

// SinkConfig configures one sink.
type SinkConfig struct {
	Name string `json:"name"`
	// Type is alertmanager, webhook or slack.
	Type string `json:"type"`
	// URLFile or URLEnv holds the URL: for alertmanager its base
	// (http://host:9093), for webhook and slack the full URL.
	URLFile string `json:"url_file,omitempty"`
	URLEnv  string `json:"url_env,omitempty"`
	// TokenFile or TokenEnv optionally holds a bearer token.
	TokenFile string `json:"token_file,omitempty"`
	TokenEnv  string `json:"token_env,omitempty"`
}

// Sink types.
const (
	TypeAlertmanager = "alertmanager"
	TypeWebhook      = "webhook"
	TypeSlack        = "slack"
)

// Duration is a time.Duration written as a Go duration string ("5m").
type Duration time.Duration

// UnmarshalJSON reads "5m", "90s".
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := yaml.Unmarshal(b, &s); err != nil {
		return fmt.Errorf("want a duration string like \"5m\"")
	}
	v, err := time.ParseDuration(s)
	if err != nil || v < 0 {
		return fmt.Errorf("%q is not a non-negative duration like \"5m\"", s)
	}
	*d = Duration(v)
	return nil
}

// MarshalJSON writes the duration string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// ConfigError is a bad config file.
type ConfigError struct {
	Path string
	Err  error
}

func (e *ConfigError) Error() string { return e.Path + ": " + e.Err.Error() }
func (e *ConfigError) Unwrap() error { return e.Err }

// LoadConfig reads and checks the config file at path.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, &ConfigError{path, errors.New("no such file")}
		}
		return nil, &ConfigError{path, err}
	}
	c, err := ParseConfig(b)
	if err != nil {
		return nil, &ConfigError{path, err}
	}
	return c, nil
}

// ParseConfig decodes and checks a config; unknown keys are errors (a
// "url:" key with a secret in it is refused, not ignored).
func ParseConfig(b []byte) (*Config, error) {
	var c Config
	if err := yaml.UnmarshalStrict(b, &c); err != nil {
		return nil, fmt.Errorf("not a valid alert config: %v", err)
	}
	if err := c.Check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// Check validates the config and fills in defaults.
func (c *Config) Check() error {
	switch c.On {
	case "":
		c.On = "error"
	case "error", "warn":
	default:
		return fmt.Errorf("fire_on: %q: want error or warn", c.On)
	}
	if c.For < 0 || c.KeepFiringFor < 0 || c.MaxAlerts < 0 {
		return errors.New("for, keep_firing_for and max_alerts must not be negative")
	}
	if c.StaleAfter == nil {
		three := 3
		c.StaleAfter = &three
	} else if *c.StaleAfter < 0 {
		return errors.New("stale_after must not be negative")
	}
	if c.CaptureInterval == 0 {
		c.CaptureInterval = Duration(5 * time.Minute)
	}
	if c.MaxAlerts == 0 {
		c.MaxAlerts = 20
	}
	if c.Timeout == 0 {
		c.Timeout = Duration(2 * time.Minute)
	}
	seen := map[string]bool{}
	for i, s := range c.Sinks {
		where := fmt.Sprintf("sinks[%d]", i)
		if s.Name == "" {
			return fmt.Errorf("%s: name is missing", where)
		}
		if seen[s.Name] {
			return fmt.Errorf("%s: name %q is used twice", where, s.Name)
		}
		seen[s.Name] = true
		switch s.Type {
		case TypeAlertmanager, TypeWebhook, TypeSlack:
		default:
			return fmt.Errorf("%s (%s): type %q: want alertmanager, webhook or slack", where, s.Name, s.Type)
		}
		if (s.URLFile == "") == (s.URLEnv == "") {
			return fmt.Errorf("%s (%s): set exactly one of url_file and url_env", where, s.Name)
		}
		if s.TokenFile != "" && s.TokenEnv != "" {
			return fmt.Errorf("%s (%s): set at most one of token_file and token_env", where, s.Name)
		}
	}
	return nil
}

// MachineOptions are the state-machine options the config selects.
func (c *Config) MachineOptions() Options {
	o := Options{Threshold: "ERROR", For: c.For, KeepFiringFor: c.KeepFiringFor}
	if c.On == "warn" {
		o.Threshold = "WARN"
	}
	if c.StaleAfter != nil {
		o.StaleAfter = *c.StaleAfter
	}
	return o
}
