package capture

import (
	"os"
	"path/filepath"

	"sigs.k8s.io/yaml"
)

// KubeconfigPaths returns the kubeconfig files kubectl would read: the
// --kubeconfig flag, else each entry of $KUBECONFIG, else ~/.kube/config.
func KubeconfigPaths(flag, env, home string) []string {
	if flag != "" {
		return []string{flag}
	}
	if env != "" {
		var out []string
		for _, p := range filepath.SplitList(env) {
			if p != "" {
				out = append(out, p)
			}
		}
		return out
	}
	if home == "" {
		return nil
	}
	return []string{filepath.Join(home, ".kube", "config")}
}

// CurrentContext returns the first current-context set in the given
// kubeconfig files, as kubectl merges them. It reads only that one field:
// no credential is ever looked at or recorded. Unreadable files are ignored.
func CurrentContext(paths []string) string {
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		var kc struct {
			CurrentContext string `json:"current-context"`
		}
		if yaml.Unmarshal(b, &kc) == nil && kc.CurrentContext != "" {
			return kc.CurrentContext
		}
	}
	return ""
}
