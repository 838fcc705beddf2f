// Package fetchers_test checks the built-in plugins as a whole: they are
// examples for plugin authors, so each imports of batchd only the SDK (plus
// its own folder), as a third-party plugin would.
package fetchers_test

import (
	"os/exec"
	"path"
	"slices"
	"strings"
	"testing"
)

const mod = "github.com/batchd/batchd/"

// shared are the packages outside the SDK that built-ins may import, each
// because the embedded cluster's agents use the same code and localcluster
// cannot import a plugin: importer folder -> allowed imports.
var shared = map[string][]string{
	// The extraction rules the archive plugin applies and agents extract by.
	"fetchers/archive": {"internal/archive"},
	// The source-version rule behind Stat, also the agents' fetch cache's.
	"fetchers/file": {"internal/validator"},
	"fetchers/http": {"internal/validator"},
	// The read-ahead reader archive extraction uses too (a root-module
	// package, since the embedded agents' extraction needs it).
	"fetchers/ftp": {"internal/readahead"},
}

// TestBuiltinsImportOnlyTheSDK lists the non-test imports of every package
// under fetchers/ and workloads/ and of every cmd/batchd-fetcher-* and
// cmd/batchd-workload-* main, and fails on any batchd package other than
// plugins/sdk (and its subpackages), plugins/report, the plugin's own
// folder, or an entry of shared.
func TestBuiltinsImportOnlyTheSDK(t *testing.T) {
	cmd := exec.Command("go", "list", "-f", `{{.ImportPath}}{{range .Imports}} {{.}}{{end}}`,
		"./...", "../workloads/...", "../cmd/...")
	out, err := cmd.Output()
	if err != nil {
		var stderr []byte
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = ee.Stderr
		}
		t.Fatalf("go list: %v\n%s", err, stderr)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	var checked []string
	for _, line := range lines {
		f := strings.Fields(line)
		pkg := strings.TrimPrefix(f[0], mod)
		if strings.HasPrefix(pkg, "cmd/") && !strings.HasPrefix(pkg, "cmd/batchd-fetcher-") && !strings.HasPrefix(pkg, "cmd/batchd-workload-") {
			continue // batchd itself, task programs
		}
		checked = append(checked, pkg)
		home := homeOf(pkg)
		for _, imp := range f[1:] {
			if !strings.HasPrefix(imp, mod) {
				continue
			}
			imp = strings.TrimPrefix(imp, mod)
			if !allowed(imp, home) {
				t.Errorf("%s imports %s: built-in plugins import only plugins/sdk, plugins/report and their own folder (%s)", pkg, imp, home)
			}
		}
	}
	// The check must have seen the plugins it is about.
	for _, want := range []string{"fetchers/http", "fetchers/archive", "workloads/sum", "cmd/batchd-fetcher-ftp", "cmd/batchd-workload-sum"} {
		if !slices.Contains(checked, want) {
			t.Errorf("go list did not list %s (listed %q)", want, checked)
		}
	}
}

// homeOf returns the folder a plugin's packages live in: fetchers/<name> or
// workloads/<name>, and for a main cmd/batchd-fetcher-<name> or
// cmd/batchd-workload-<name> the folder of the implementation it serves.
func homeOf(pkg string) string {
	parts := strings.Split(pkg, "/")
	if parts[0] == "cmd" {
		name := path.Base(parts[1])
		if n, ok := strings.CutPrefix(name, "batchd-fetcher-"); ok {
			return "fetchers/" + n
		}
		if n, ok := strings.CutPrefix(name, "batchd-workload-"); ok {
			return "workloads/" + n
		}
	}
	if len(parts) < 2 {
		return pkg
	}
	return parts[0] + "/" + parts[1]
}

func allowed(imp, home string) bool {
	switch {
	case imp == "plugins/sdk", strings.HasPrefix(imp, "plugins/sdk/"), imp == "plugins/report":
		return true
	case imp == home, strings.HasPrefix(imp, home+"/"):
		return true
	}
	return slices.Contains(shared[home], imp)
}
