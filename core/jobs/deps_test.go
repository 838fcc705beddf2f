package jobs

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestAsksPluginsForArchiveFormats keeps the runner from keeping a list of
// archive formats of its own: which names are archives is the fetcher
// plugins' say (Plugins.ArchiveFormat), so it must not import the built-in
// extractor's package.
func TestAsksPluginsForArchiveFormats(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", "{{join .Imports \"\\n\"}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	if slices.Contains(strings.Fields(string(out)), "github.com/batchd/batchd/internal/archive") {
		t.Error("core/jobs imports internal/archive: ask the plugins (Plugins.ArchiveFormat) instead")
	}
}
