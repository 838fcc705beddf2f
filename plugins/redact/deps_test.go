package redact

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsOnlyStd keeps the package light: batchd's core imports it, and
// must not get gRPC or go-plugin with it.
func TestImportsOnlyStd(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	if got := strings.Fields(string(out)); len(got) != 1 || got[0] != "github.com/batchd/batchd/plugins/redact" {
		t.Errorf("non-standard dependencies %q, want only the package itself", got)
	}
}
