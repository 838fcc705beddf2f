package report

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestImportsOnlyStd keeps the package small: a task program that reports
// its result must not pull in gRPC, protobuf or anything outside the
// standard library.
func TestImportsOnlyStd(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	got := strings.Fields(string(out))
	if want := []string{"github.com/batchd/batchd/plugins/report"}; !slices.Equal(got, want) {
		t.Errorf("non-standard dependencies %q, want only %q", got, want)
	}
}
