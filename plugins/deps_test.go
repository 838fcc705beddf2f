// Package plugins_test checks the plugin SDK module as a whole: what a
// plugin author's build pulls in must stay free of what only batchd itself
// needs (the Mesos client, HDFS, Kerberos, FTP).
package plugins_test

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
)

// heavy are the module paths batchd uses that a plugin must never drag in.
var heavy = []string{
	"github.com/mesos/mesos-go",
	"github.com/colinmarc/hdfs",
	"github.com/jcmturner/gokrb5",
	"github.com/jlaffaye/ftp",
}

func isHeavy(path string) bool {
	for _, h := range heavy {
		if path == h || strings.HasPrefix(path, h+"/") {
			return true
		}
	}
	return false
}

// TestNoHeavyDependencies lists every package the module's packages and
// their tests depend on and fails on any from a heavy module.
func TestNoHeavyDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-test", "-f", "{{.ImportPath}}", "./...").Output()
	if err != nil {
		t.Fatalf("go list -deps -test ./...: %v", err)
	}
	pkgs := strings.Fields(string(out))
	if len(pkgs) == 0 {
		t.Fatal("go list -deps -test ./... listed no packages")
	}
	for _, p := range pkgs {
		if isHeavy(p) {
			t.Errorf("the plugins module depends on %s", p)
		}
	}
}

// TestGoModRequiresNoHeavyModule reads the module's go.mod (direct and
// indirect requirements): none may be a heavy module.
func TestGoModRequiresNoHeavyModule(t *testing.T) {
	out, err := exec.Command("go", "mod", "edit", "-json").Output()
	if err != nil {
		t.Fatalf("go mod edit -json: %v", err)
	}
	var mod struct {
		Module  struct{ Path string }
		Require []struct{ Path string }
	}
	if err := json.Unmarshal(out, &mod); err != nil {
		t.Fatalf("go.mod as JSON: %v", err)
	}
	if want := "github.com/batchd/batchd/plugins"; mod.Module.Path != want {
		t.Fatalf("go.mod declares module %q, want %q", mod.Module.Path, want)
	}
	if len(mod.Require) == 0 {
		t.Fatal("go.mod requires nothing: not the plugins module's go.mod?")
	}
	for _, r := range mod.Require {
		if isHeavy(r.Path) {
			t.Errorf("plugins/go.mod requires %s", r.Path)
		}
	}
}
