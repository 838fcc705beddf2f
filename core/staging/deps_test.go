package staging

import (
	"os/exec"
	"strings"
	"testing"
)

// TestNoPluginRuntime keeps the staging store free of the plugin runtime:
// it names URIs through plugins/redact (standard library only), never
// through the SDK, which would bring gRPC and go-plugin with it.
func TestNoPluginRuntime(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	for _, p := range strings.Fields(string(out)) {
		for _, heavy := range []string{"google.golang.org/grpc", "github.com/hashicorp/go-plugin", "github.com/batchd/batchd/plugins/sdk"} {
			if p == heavy || strings.HasPrefix(p, heavy+"/") {
				t.Errorf("core/staging depends on %s", p)
			}
		}
	}
}
