package examples

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var (
	// binDir holds batchd; pluginDir batchd's built-in plugins and the
	// example Go plugins, built once for every test.
	binDir, pluginDir string
	// python is an interpreter with grpcio and grpc_tools, or "".
	python string
)

func TestMain(m *testing.M) {
	code, err := buildAll(m)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}

// buildAll builds everything the tests run into a temporary folder, runs
// the tests and removes the folder.
func buildAll(m *testing.M) (int, error) {
	dir, err := os.MkdirTemp("", "batchd-examples-")
	if err != nil {
		return 0, err
	}
	defer os.RemoveAll(dir)
	binDir, pluginDir = dir, filepath.Join(dir, "plugins")
	builds := []struct{ moduleDir, pkg, out string }{
		{"..", "./cmd/batchd", binDir},
		// Built-in plugins the jobs need: file stages the task programs and
		// the inputs' files, archive extracts an archive given as input.
		{"..", "./cmd/batchd-fetcher-file", pluginDir},
		{"..", "./cmd/batchd-fetcher-archive", pluginDir},
		// The examples, each from its own module's folder.
		{"wordcount", "./cmd/...", pluginDir},
		{"datafetcher", "./cmd/...", pluginDir},
	}
	for _, b := range builds {
		cmd := exec.Command("go", "build", "-o", b.out+string(filepath.Separator), b.pkg)
		cmd.Dir = b.moduleDir
		if out, err := cmd.CombinedOutput(); err != nil {
			return 0, fmt.Errorf("building %s in %s: %w\n%s", b.pkg, b.moduleDir, err, out)
		}
	}
	python = findPython()
	return m.Run(), nil
}

// findPython returns the first python3 that imports grpc and grpc_tools:
// Debian's python3-grpcio and python3-grpc-tools are for /usr/bin/python3,
// which another python3 on PATH may hide.
func findPython() string {
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import grpc, grpc_tools.protoc").Run() == nil {
			if abs, err := exec.LookPath(p); err == nil {
				return abs
			}
		}
	}
	return ""
}

// needPython builds the Python fetcher into the plugin folder once, or
// skips the test (fails it in CI) when no python3 has grpcio.
func needPython(t *testing.T) {
	t.Helper()
	if python == "" {
		const why = "no python3 imports grpc and grpc_tools (apt-get install python3-grpcio python3-grpc-tools)"
		if os.Getenv("CI") != "" {
			t.Fatal(why)
		}
		t.Skip(why)
	}
	out := filepath.Join(pluginDir, "batchd-fetcher-pyfile")
	if _, err := os.Stat(out); err == nil {
		return
	}
	cmd := exec.Command("./build.sh", out)
	cmd.Dir = "pyfetcher"
	cmd.Env = append(os.Environ(), "PYTHON="+python)
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the Python fetcher: %v\n%s", err, b)
	}
}

// batchd runs the batchd binary with args and returns its exit code,
// stdout and stderr.
func batchd(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "batchd"), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	cmd.WaitDelay = 10 * time.Second
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("batchd %s did not finish in time\nstderr:\n%s", strings.Join(args, " "), stderr.String())
	}
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, stdout.String(), stderr.String()
}

// writeConfig writes a cluster.toml using the test's plugin folder and a
// fresh state folder, followed by body, and returns its path.
func writeConfig(t *testing.T, body string) string {
	t.Helper()
	dir := t.TempDir()
	head := fmt.Sprintf("[plugins]\ndirs = [%q]\n\n[state]\ndir = %q\n\n[local]\nagents = 2\n\n",
		pluginDir, filepath.Join(dir, "state"))
	path := filepath.Join(dir, "cluster.toml")
	if err := os.WriteFile(path, []byte(head+body), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}
