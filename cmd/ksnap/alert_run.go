package main

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"time"

	"github.com/ksnap/ksnap/alert"
	"github.com/ksnap/ksnap/analyze/model"
	"github.com/ksnap/ksnap/history"
	"github.com/ksnap/ksnap/history/postgres"
	"github.com/ksnap/ksnap/notify"
	"github.com/ksnap/ksnap/notify/alertmanager"
	"github.com/ksnap/ksnap/notify/slack"
	"github.com/ksnap/ksnap/notify/webhook"
)

// alertRun is one alert step: ksnap alert, and record --alert after its
// append. Config has its defaults filled (Check) and HistoryFile set.
type alertRun struct {
	Config *alert.Config
	Filter history.Filter
	Since  time.Time
	DryRun bool
	// AllowMissing reads a missing history file as empty (alert
	// --allow-missing, and the runs after record and watch).
	AllowMissing bool
}

// do builds the sinks, takes the ledger's run lock, reads the ledger and
// the history, evaluates and delivers. The reports are returned even with
// a delivery error.
func (r *alertRun) do(ctx context.Context, e *env) ([]alert.SinkReport, error) {
	c := r.Config
	sinks, err := buildSinks(c, e.getenv)
	if err != nil {
		return nil, err
	}
	st, err := e.openReadStore(ctx, c.HistoryFile, r.AllowMissing)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	ledgerPath := c.LedgerFile
	if pg, ok := st.(*postgres.Store); ok {
		// A database history is shared by machines: one alerter at a time
		// (the advisory lock, on any machine), and its ledger named on purpose.
		if ledgerPath == "" {
			return nil, fmt.Errorf("%s: the history is a database: set ledger_file in the alert config (a file on the one alerting host)", st)
		}
		if !r.DryRun {
			lk, err := pg.TryLock(ctx, "alert")
			if err != nil {
				if errors.Is(err, postgres.ErrLocked) {
					return nil, fmt.Errorf("%s: another ksnap alert is running against this database (advisory lock \"alert\"); try again later", st)
				}
				return nil, err
			}
			defer lk.Release(context.WithoutCancel(ctx))
		}
	}
	if ledgerPath == "" {
		ledgerPath = alert.LedgerPath(c.HistoryFile)
	}
	if !r.DryRun {
		unlock, err := alert.LockRun(ctx, ledgerPath, time.Duration(c.Timeout))
		if err != nil {
			return nil, err
		}
		defer unlock()
	}
	led, err := alert.ReadLedger(ledgerPath)
	if err != nil {
		return nil, err
	}
	for _, le := range led.Corrupt {
		e.warnf("%s (skipped)", le.Error())
	}
	res, _, err := alert.Evaluate(ctx, st, r.Filter, c.MachineOptions())
	if err != nil {
		return nil, err
	}
	bundleDir := c.BundleDir
	if bundleDir == "" {
		bundleDir = "bundles"
	}
	return alert.Deliver(ctx, res, led, sinks, alert.DeliverOptions{
		Since:     r.Since,
		MaxAlerts: c.MaxAlerts,
		DryRun:    r.DryRun,
		Timeout:   time.Duration(c.Timeout),
		Now:       e.now,
		Env:       alert.Env{BundleDir: bundleDir, Interval: time.Duration(c.CaptureInterval)},
		Detail:    func(a *alert.Alert) alert.Detail { return bundleDetail(filepath.Join(bundleDir, a.Bundle), a.Job) },
	})
}

// buildSinks resolves each sink's URL and token (files or environment
// variables) and builds it. Errors name the sink and the file or variable,
// never a URL.
func buildSinks(c *alert.Config, getenv func(string) string) ([]alert.Sink, error) {
	var sinks []alert.Sink
	for _, sc := range c.Sinks {
		raw, err := notify.Secret{File: sc.URLFile, Env: sc.URLEnv}.Resolve(getenv)
		if err != nil {
			return nil, fmt.Errorf("sink %s: url: %w", sc.Name, err)
		}
		token := ""
		if sc.TokenFile != "" || sc.TokenEnv != "" {
			if token, err = (notify.Secret{File: sc.TokenFile, Env: sc.TokenEnv}).Resolve(getenv); err != nil {
				return nil, fmt.Errorf("sink %s: token: %w", sc.Name, err)
			}
		}
		ep, err := notify.NewEndpoint(raw, token)
		if err != nil {
			return nil, fmt.Errorf("sink %s: %w", sc.Name, err)
		}
		p := notify.Poster{Policy: notify.Policy{Jitter: rand.Float64}}
		switch sc.Type {
		case alert.TypeAlertmanager:
			sinks = append(sinks, alertmanager.New(sc.Name, ep, p))
		case alert.TypeWebhook:
			sinks = append(sinks, webhook.New(sc.Name, ep, p))
		case alert.TypeSlack:
			sinks = append(sinks, slack.New(sc.Name, ep, p))
		}
	}
	return sinks, nil
}

// bundleDetail is the cause of job's verdict in the bundle at path: the
// worst finding of the job or its pods (a pod's first on a tie, as more
// specific), and that pod. A bundle that cannot be read gives no detail:
// the alert still goes out, with the rule codes.
func bundleDetail(path, job string) alert.Detail {
	_, rep, err := analyzeForHistory(path)
	if err != nil {
		return alert.Detail{}
	}
	for _, j := range rep.Jobs {
		if j.Name != job {
			continue
		}
		var best *model.Finding
		pod := ""
		for _, p := range j.Pods {
			for i := range p.Findings {
				if f := &p.Findings[i]; best == nil || f.Level > best.Level {
					best, pod = f, p.Name
				}
			}
		}
		for i := range j.Findings {
			if f := &j.Findings[i]; best == nil || f.Level > best.Level {
				best, pod = f, ""
			}
		}
		if best == nil {
			return alert.Detail{}
		}
		return alert.Detail{Cause: best.Message, Pod: pod}
	}
	return alert.Detail{}
}

// runAlertAfterRecord is the alert step of record --alert: it loads the
// config, runs with the history file just appended to and reports a
// delivery failure as one warning line, so the caller keeps its own exit
// status (the transitions stay pending for the next run).
func runAlertAfterRecord(ctx context.Context, e *env, configPath, historyPath, bundleDir string) error {
	cfg, err := alert.LoadConfig(configPath)
	if err != nil {
		return err
	}
	return alertAfterAppend(ctx, e, cfg, historyPath, bundleDir)
}

// alertHistoryPath is the history file watch --alert appends each tick to
// (watch keeps no history of its own): the config's history_file, else
// $KSNAP_HISTORY_FILE, else the default history file.
func alertHistoryPath(e *env, cfg *alert.Config) string {
	if cfg.HistoryFile != "" {
		return cfg.HistoryFile
	}
	if v := e.getenv("KSNAP_HISTORY_FILE"); v != "" {
		return v
	}
	return defaultHistoryFile
}

func alertAfterAppend(ctx context.Context, e *env, cfg *alert.Config, historyPath, bundleDir string) error {
	cfg.HistoryFile = historyPath
	if cfg.BundleDir == "" {
		cfg.BundleDir = bundleDir
	}
	run := alertRun{Config: cfg, AllowMissing: true}
	reports, err := run.do(ctx, e)
	if errors.Is(err, alert.ErrDelivery) {
		for _, r := range reports {
			if r.Err != nil {
				e.warnf("alert: %s (pending, retried next run)", r.Err)
			}
		}
		return nil
	}
	return err
}
