package localcluster

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStockFramework runs mesos-go's unmodified msh framework against the cluster.
func TestStockFramework(t *testing.T) {
	if testing.Short() {
		t.Skip("builds msh")
	}
	bin := filepath.Join(t.TempDir(), "msh")
	build := exec.Command("go", "build", "-o", bin, "github.com/mesos/mesos-go/api/v1/cmd/msh")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building msh: %v\n%s", err, out)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{name: "echo hello", args: []string{"echo", "hello"}, want: "hello\n"},
		{name: "argv with spaces", args: []string{"printf", "%s|%s", "a b", "c"}, want: "a b|c"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, Config{})
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			args := append([]string{"-master", strings.TrimPrefix(c.URL(), "http://"), "-user", os.Getenv("USER"), "--"}, tc.args...)
			cmd := exec.CommandContext(ctx, bin, args...)
			out, err := cmd.CombinedOutput()
			if err != nil {
				t.Fatalf("msh %v: %v\n%s", tc.args, err, out)
			}
			got := readTaskFile(t, c, "*", "stdout")
			if got != tc.want {
				t.Errorf("task stdout = %q, want %q\nmsh output:\n%s", got, tc.want, out)
			}
		})
	}
}
