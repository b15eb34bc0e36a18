package main

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"testing"
)

func TestReevaluateOptions(t *testing.T) {
	dir := t.TempDir()
	rulesFile := filepath.Join(dir, "r.yaml")
	rulesData := []byte("version: 1\nexpect:\n- cronJob: etl\n  succeededWithin: 26h\n")
	if err := os.WriteFile(rulesFile, rulesData, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(rulesData)
	type want struct {
		output, newVersion, oldVersion, bundles, historyFile string
		write                                                bool
	}
	tests := []struct {
		name    string
		env     map[string]string
		args    []string
		want    want
		wantErr string
	}{
		{name: "defaults", args: []string{"b"},
			want: want{"text", "ksnap-rules/2", "ksnap-rules/2", "bundles", defaultHistoryFile, false}},
		{name: "env", env: map[string]string{"KSNAP_BUNDLE_DIR": "/env/b", "KSNAP_HISTORY_FILE": "/env/h.jsonl"}, args: []string{"b"},
			want: want{"text", "ksnap-rules/2", "ksnap-rules/2", "/env/b", "/env/h.jsonl", false}},
		{name: "flags win", env: map[string]string{"KSNAP_BUNDLE_DIR": "/env/b"}, args: []string{"-o", "json", "--bundles", "x", "--history-file", "h", "--write", "b"},
			want: want{"json", "ksnap-rules/2", "ksnap-rules/2", "x", "h", true}},
		{name: "rules file", args: []string{"--rules", rulesFile, "b"},
			want: want{"text", "ksnap-rules/2+rules-sha256:" + hex.EncodeToString(sum[:]), "ksnap-rules/2", "bundles", defaultHistoryFile, false}},
		{name: "bad output", args: []string{"-o", "yaml", "b"}, wantErr: `-o "yaml": want text or json`},
		{name: "unknown rule set", args: []string{"--ruleset", "v9", "b"}, wantErr: `--ruleset: unknown rule set "v9" (known: v1, v2)`},
		{name: "unknown base", args: []string{"--base", "v0", "b"}, wantErr: `--base: unknown rule set "v0" (known: v1, v2)`},
		{name: "missing rules file", args: []string{"--rules", filepath.Join(dir, "nope.yaml"), "b"},
			wantErr: filepath.Join(dir, "nope.yaml") + ": cannot read the rules file: stat " + filepath.Join(dir, "nope.yaml") + ": no such file or directory"},
		{name: "no argument", args: nil, wantErr: "requires at least 1 arg(s), only received 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(t, newReevaluateCmd, tt.env, tt.args)
			if !checkErr(t, err, tt.wantErr) {
				return
			}
			got := want{o.Output, o.New.RuleSet.Version(), o.Old.RuleSet.Version(), o.Bundles, o.HistoryFile, o.Write}
			if got != tt.want {
				t.Fatalf("options = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestDiffOptions(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.tar.zst"), filepath.Join(dir, "b.tar.zst")
	tests := []struct {
		name, wantErr, wantRuleSet string
		args, wantFiles            []string
	}{
		{name: "two files", args: []string{a, b}, wantFiles: []string{a, b}, wantRuleSet: "ksnap-rules/2"},
		{name: "one file", args: []string{a}, wantErr: "1 bundle given: diff needs two bundles, or a directory of at least two"},
		{name: "bad output", args: []string{"-o", "xml", a, b}, wantErr: `-o "xml": want text or json`},
		{name: "unknown rule set", args: []string{"--ruleset", "v7", a, b}, wantErr: `--ruleset: unknown rule set "v7" (known: v1, v2)`},
		{name: "empty directory", args: []string{dir}, wantErr: dir + ": no *.tar.zst bundle in this directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := parseOptions(t, newDiffCmd, nil, tt.args)
			if !checkErr(t, err, tt.wantErr) {
				return
			}
			if len(o.Files) != len(tt.wantFiles) || o.Files[0] != tt.wantFiles[0] || o.Files[1] != tt.wantFiles[1] || o.Pipeline.RuleSet.Version() != tt.wantRuleSet {
				t.Fatalf("files %q rule set %s, want %q %s", o.Files, o.Pipeline.RuleSet.Version(), tt.wantFiles, tt.wantRuleSet)
			}
		})
	}
}
