package main

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestThirdPartyArchiveFormat runs jobs with a third-party extractor plugin
// for a made-up format (.xyz, internal/pluginhost/testdata) in a second
// plugin folder: batchd asks the plugins which names are archives, so an
// .xyz input reaches the workload extracted through that plugin, and an .xyz
// artifact is checked by it before any task launches.
func TestThirdPartyArchiveFormat(t *testing.T) {
	xyzDir := t.TempDir()
	build := exec.Command("go", "build", "-o", filepath.Join(xyzDir, "batchd-fetcher-xyz"), "../../internal/pluginhost/testdata/batchd-fetcher-xyz")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("building the xyz plugin: %v\n%s", err, out)
	}
	dir := t.TempDir()
	files := map[string]string{
		"numbers.xyz": "a.txt=1 2\nsub/b.txt=3 4\n",
		"evil.xyz":    "ok.txt=1\n../out.txt=2\n",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	web := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer web.Close()

	job := func(params, artifacts string) string {
		return fmt.Sprintf("[[job]]\nname = \"xyz\"\nworkload = \"sum\"\ncpus = 0.1\nmem = \"16MiB\"\n%s\n[job.params]\n%s\n", artifacts, params)
	}
	groups := `groups = ["1 1"]`
	tests := []struct {
		name    string
		config  string
		code    int
		wantOut []string
		wantErr []string
	}{
		{
			name:    "xyz input is extracted by its plugin",
			config:  job(fmt.Sprintf("input = %q", web.URL+"/numbers.xyz"), ""),
			wantOut: []string{"sum of 1 2 = 3", "sum of 3 4 = 7", "job xyz: 2 tasks finished, total 10"},
		},
		{
			name:    "xyz artifact passes its plugin's check",
			config:  job(groups, fmt.Sprintf("[[job.artifacts]]\nuri = %q", web.URL+"/numbers.xyz")),
			wantOut: []string{"job xyz: 1 tasks finished, total 2"},
		},
		{
			name:    "xyz artifact breaking its plugin's rule fails before launch",
			config:  job(groups, fmt.Sprintf("[[job.artifacts]]\nuri = %q", web.URL+"/evil.xyz")),
			code:    1,
			wantErr: []string{"evil.xyz", `fetcher plugin "xyz"`, `"../out.txt"`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := filepath.Join(t.TempDir(), "cluster.toml")
			body := fmt.Sprintf("[plugins]\ndirs = [%q, %q]\n\n%s", pluginDir, xyzDir, tt.config)
			if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
			code, out, errOut := run(t, 2*time.Minute, "--config", cfg)
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, tail(errOut))
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout has no %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr has no %q:\n%s", w, tail(errOut))
				}
			}
			if tt.code != 0 && strings.Contains(out, "sum of") {
				t.Errorf("a task ran although the job should fail before launch:\n%s", out)
			}
		})
	}
}
