package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLocalClusterCredentials: `batchd local-cluster --credentials FILE`
// requires HTTP basic auth, as a Mesos master with --credentials does.
// batchd with [cluster] principal and the right secret_file runs its job
// there; with a wrong secret, or none, it fails at once (not after
// connect_timeout) with an error naming the principal and the master, and
// never the secret.
func TestLocalClusterCredentials(t *testing.T) {
	dir := t.TempDir()
	creds := filepath.Join(dir, "credentials")
	if err := os.WriteFile(creds, []byte(`{"credentials": [{"principal": "batchd", "secret": "right-secret"}, {"principal": "ops", "secret": "ops-secret"}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	master := startLocalCluster(t, "--credentials", creds)
	tests := []struct {
		name      string
		principal string
		secret    string // "" writes no secret_file
		wantCode  int
		wantOut   string
		wantErr   []string
	}{
		{name: "right secret", principal: "batchd", secret: "right-secret", wantOut: "job auth: 2 tasks finished, total 36"},
		{name: "wrong secret", principal: "batchd", secret: "wrong-secret", wantCode: 1,
			wantErr: []string{"cluster at " + master, `refused the credentials of principal "batchd" (401 Unauthorized)`, "check [cluster] principal and secret_file"}},
		{name: "another principal's secret", principal: "batchd", secret: "ops-secret", wantCode: 1,
			wantErr: []string{"cluster at " + master, `principal "batchd"`}},
		{name: "no secret", principal: "batchd", wantCode: 1,
			wantErr: []string{"cluster at " + master, "requires authentication (401 Unauthorized) and no credentials were sent"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			secretLine := ""
			if tt.secret != "" {
				f := filepath.Join(dir, "secret")
				if err := os.WriteFile(f, []byte(tt.secret), 0o600); err != nil {
					t.Fatal(err)
				}
				secretLine = fmt.Sprintf("secret_file = %q", f)
			}
			path := writeConfig(t, fmt.Sprintf(`
[cluster]
master = %q
framework = "auth-test"
principal = %q
%s
connect_timeout = "2m"

[[job]]
name = "auth"
workload = "sum"
cpus = 0.1
mem = "16MiB"
[job.params]
groups = ["1 2 3", "10 20"]
`, master, tt.principal, secretLine))
			// A refusal is final: were it retried until connect_timeout
			// (2m), run's one-minute bound would fail the test.
			code, out, errOut := run(t, time.Minute, "--config", path)
			if code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.wantCode, out, errOut)
			}
			if !strings.Contains(out, tt.wantOut) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantOut, out)
			}
			for _, want := range tt.wantErr {
				if !strings.Contains(errOut, want) {
					t.Errorf("stderr lacks %q:\n%s", want, errOut)
				}
			}
			for _, secret := range []string{"right-secret", "wrong-secret", "ops-secret"} {
				if strings.Contains(out+errOut, secret) {
					t.Errorf("output shows the secret %q:\n%s\n%s", secret, out, errOut)
				}
			}
		})
	}
}
