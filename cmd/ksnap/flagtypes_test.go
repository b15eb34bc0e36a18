package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func TestParseDuration(t *testing.T) {
	const day, week = 24 * time.Hour, 7 * 24 * time.Hour
	tests := []struct {
		in          string
		bareSeconds bool
		want        time.Duration
		wantErr     string
	}{
		{in: "30s", want: 30 * time.Second},
		{in: "2h45m", want: 2*time.Hour + 45*time.Minute},
		{in: "2d", want: 2 * day},
		{in: "12w", want: 12 * week},
		{in: "1d12h", want: day + 12*time.Hour},
		{in: "1w2d3h4m", want: week + 2*day + 3*time.Hour + 4*time.Minute},
		{in: "1.5d", want: 36 * time.Hour},
		{in: "-1d", want: -day},
		{in: "0", want: 0},
		{in: "5", wantErr: `time: missing unit in duration "5"`},
		{in: "5", bareSeconds: true, want: 5 * time.Second},
		{in: "0.5", bareSeconds: true, want: 500 * time.Millisecond},
		{in: "5m", bareSeconds: true, want: 5 * time.Minute},
		{in: "1e3", bareSeconds: true, wantErr: `time: unknown unit "e" in duration "1e3"`},
		{in: "d", wantErr: `time: invalid duration "d"`},
		{in: "2x", wantErr: `time: unknown unit "x" in duration "2x"`},
		{in: "2dd", wantErr: `time: invalid duration "2dd"`},
		{in: "", wantErr: `time: invalid duration ""`},
	}
	for _, tt := range tests {
		got, err := parseDuration(tt.in, tt.bareSeconds)
		gotErr := ""
		if err != nil {
			gotErr = err.Error()
		}
		if got != tt.want || gotErr != tt.wantErr {
			t.Errorf("parseDuration(%q, %v) = %v, %q; want %v, %q", tt.in, tt.bareSeconds, got, gotErr, tt.want, tt.wantErr)
		}
	}
}

func TestFormatDuration(t *testing.T) {
	for d, want := range map[time.Duration]string{0: "0", 30 * time.Second: "30s", 48 * time.Hour: "2d", 36 * time.Hour: "36h0m0s", -24 * time.Hour: "-24h0m0s"} {
		if got := formatDuration(d); got != want {
			t.Errorf("formatDuration(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestDeprecatedAlias(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		silent     bool
		wantDir    string
		wantStderr string
	}{
		{name: "new spelling", args: []string{"--bundle-dir", "a"}, wantDir: "a"},
		{name: "old long", args: []string{"--out", "b"}, wantDir: "b",
			wantStderr: "ksnap: warning: -o/--out is deprecated and will be removed; use --bundle-dir\n"},
		{name: "old short, twice: one line", args: []string{"-o", "b", "-o", "c"}, wantDir: "c",
			wantStderr: "ksnap: warning: -o/--out is deprecated and will be removed; use --bundle-dir\n"},
		{name: "silent compat alias", args: []string{"--out=d"}, silent: true, wantDir: "d"},
		{name: "unset", wantDir: "bundles"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			fs := pflag.NewFlagSet("x", pflag.ContinueOnError)
			var dir string
			fs.StringVar(&dir, "bundle-dir", "bundles", "dir")
			if tt.silent {
				compatAlias(fs, "out", "bundle-dir")
			} else {
				deprecatedAlias(fs, &stderr, "out", "o", "bundle-dir")
			}
			if err := fs.Parse(tt.args); err != nil {
				t.Fatal(err)
			}
			if dir != tt.wantDir || stderr.String() != tt.wantStderr {
				t.Fatalf("dir %q, stderr %q; want %q, %q", dir, stderr.String(), tt.wantDir, tt.wantStderr)
			}
			if changed := fs.Changed("bundle-dir"); changed != (len(tt.args) > 0) {
				t.Fatalf("Changed(bundle-dir) = %v after %q", changed, tt.args)
			}
			if !fs.Lookup("out").Hidden {
				t.Fatal("the alias shows in help")
			}
		})
	}
}

func TestDeprecatedAliasesOfCommands(t *testing.T) {
	tests := []struct {
		args       []string
		wantStdout string
		wantStderr string
	}{
		{[]string{"bundle", "verify", "--json", "nope.tar.zst"}, `"file": "nope.tar.zst"`, "ksnap: warning: --json is deprecated and will be removed; use --output\n"},
		{[]string{"bundle", "verify", "-o", "json", "nope.tar.zst"}, `"file": "nope.tar.zst"`, ""},
	}
	for _, tt := range tests {
		e, out, errb := testEnv(t)
		run(t.Context(), tt.args, e)
		if !strings.Contains(out.String(), tt.wantStdout) || errb.String() != tt.wantStderr {
			t.Errorf("%q: stdout %q, stderr %q; want %q in stdout, stderr %q", tt.args, out, errb, tt.wantStdout, tt.wantStderr)
		}
	}
}

func TestBundleImportOutput(t *testing.T) {
	clean := func(o *bundleImportOptions) {
		*o = bundleImportOptions{Import: o.Import}
		o.Import.CapturedAt = time.Time{}
		o.Import.Stdin = nil
	}
	base := []string{"-n", "ns", "--captured-at", "2025-11-16T10:00:00Z", "--jobs", "-"}
	with := func(out string) bundleImportOptions {
		o := bundleImportOptions{}
		o.Import.Namespace, o.Import.JobsFile, o.Import.Out = "ns", "-", out
		return o
	}
	checkOptions(t, newBundleImportCmd, clean, []optionCase[bundleImportOptions]{
		{name: "default dir", args: base, want: with("bundles")},
		{name: "env dir", env: map[string]string{"KSNAP_BUNDLE_DIR": "/env/b"}, args: base, want: with("/env/b")},
		{name: "bundle dir", args: append(base, "--bundle-dir", "d"), want: with("d")},
		{name: "file", args: append(base, "--file", "x.tar.zst"), want: with("x.tar.zst")},
		{name: "old -o dir", args: append(base, "-o", "d"), want: with("d")},
		{name: "old --out file", args: append(base, "--out", "d/x.tar.zst"), want: with("d/x.tar.zst")},
		{name: "file name", args: append(base, "--file", "x.tgz"), wantErr: "--file x.tgz: must end in .tar.zst"},
		{name: "both", args: append(base, "--file", "x.tar.zst", "--bundle-dir", "d"), wantErr: "--file and --bundle-dir exclude each other"},
		{name: "dir is a bundle", args: append(base, "--bundle-dir", "x.tar.zst"), wantErr: "--bundle-dir x.tar.zst: is a bundle name; use --file for one"},
	})
}
