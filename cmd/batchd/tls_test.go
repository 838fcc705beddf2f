package main

import (
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/tlstest"
)

// TestServeTLS runs batchd with [server] tls_cert, tls_key and tls_ca on
// the embedded cluster: a sum job finishes (its agents fetched the task
// program over https trusting the CA, its tasks posted over https trusting
// it through BATCHD_COLLECTOR_CA), and while a second job's task waits,
// the server refuses a plain-HTTP post, a client without the CA cannot
// connect, knowing an artifact's digest is not enough to download it, and
// `batchd results` reads the state API over https.
func TestServeTLS(t *testing.T) {
	pki := tlstest.New(t)
	dir := t.TempDir()
	config := writeConfig(t, fmt.Sprintf(`[state]
dir = %q

[server]
listen = "127.0.0.1:0"
tls_cert = %q
tls_key = %q
tls_ca = %q

[[job]]
name = "s"
workload = "sum"
cpus = 0.1
mem = "16MiB"
[job.params]
groups = ["1 2 3", "10 20"]

%s`, filepath.Join(dir, "state"), pki.CertFile, pki.KeyFile, pki.CAFile, testworkJob("w", "wait", 1, 0, fmt.Sprintf("state = %q", dir))))
	var stdout, stderr syncBuffer
	m := NewMain(&stdout, &stderr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exited := make(chan int, 1)
	go func() { exited <- m.Main(ctx, []string{"--config", config}) }()
	released := false
	defer func() {
		if !released {
			release(t, dir)
			<-exited
		}
		m.Close()
	}()

	var api apiFile
	if !poll(time.Minute, func() bool {
		raw, err := os.ReadFile(filepath.Join(dir, "state", apiFileName))
		return err == nil && json.Unmarshal(raw, &api) == nil
	}) {
		t.Fatalf("batchd did not start serving\nstderr:\n%s", tail(stderr.String()))
	}
	if !strings.HasPrefix(api.URL, "https://") || api.CertSHA256 == "" {
		t.Errorf("api file = %+v, want an https URL and the certificate's hash", api)
	}
	env := taskEnv(t, "batchd-workload-testwork task wait")
	collectorURL := env["BATCHD_COLLECTOR_URL"]
	if !strings.HasPrefix(collectorURL, "https://127.0.0.1:") {
		t.Fatalf("BATCHD_COLLECTOR_URL = %q, want https://127.0.0.1:...", collectorURL)
	}
	if env["BATCHD_COLLECTOR_CA"] != string(pki.CAPEM) {
		t.Errorf("BATCHD_COLLECTOR_CA = %q, want the CA's PEM text", env["BATCHD_COLLECTOR_CA"])
	}
	u, err := url.Parse(collectorURL)
	if err != nil {
		t.Fatal(err)
	}
	post := func(client *http.Client, target string) (int, string, error) {
		req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(`{"output":"forged"}`))
		if err != nil {
			return 0, "", err
		}
		req.Header.Set("Authorization", "Bearer "+env["BATCHD_TASK_TOKEN"])
		req.Header.Set("Content-Type", "application/json")
		resp, err := client.Do(req)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(body), nil
	}

	t.Run("plain HTTP refused", func(t *testing.T) {
		plain := *u
		plain.Scheme = "http"
		code, body, err := post(http.DefaultClient, plain.String())
		if err != nil || code != http.StatusBadRequest || !strings.Contains(body, "HTTP request to an HTTPS server") {
			t.Errorf("plain post = %d %q, %v; want 400 naming the HTTPS server", code, body, err)
		}
	})
	t.Run("client without the CA", func(t *testing.T) {
		_, _, err := post(&http.Client{Timeout: 10 * time.Second}, collectorURL)
		if err == nil || !strings.Contains(err.Error(), "certificate signed by unknown authority") {
			t.Errorf("post without the CA: %v, want a certificate error", err)
		}
	})
	trusting := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pki.Pool}}}
	defer trusting.CloseIdleConnections()
	t.Run("artifact digest without token", func(t *testing.T) {
		bin, err := os.ReadFile(filepath.Join(pluginDir, "batchd-task-sum"))
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(bin)
		digest := hex.EncodeToString(sum[:])
		for _, path := range []string{
			"/artifacts/" + digest + "/batchd-task-sum",
			"/artifacts/" + strings.Repeat("0", 32) + "/" + digest + "/batchd-task-sum",
			"/artifacts/other-job/" + strings.Repeat("0", 32) + "/" + digest + "/batchd-task-sum",
		} {
			resp, err := trusting.Get("https://" + u.Host + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s = %d, want 400 or 404", path, resp.StatusCode)
			}
		}
	})
	t.Run("results over https", func(t *testing.T) {
		code, out, errOut := run(t, time.Minute, "results", "--config", config, "--job", "w", "--format", "jsonl")
		if code != 0 {
			t.Errorf("batchd results exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})

	release(t, dir)
	released = true
	if code := <-exited; code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), tail(stderr.String()))
	}
	if !strings.Contains(stderr.String(), "batchd: status page at https://") {
		t.Errorf("the status page's URL is not https:\n%s", tail(stderr.String()))
	}
	out := stdout.String()
	for _, want := range []string{"job s: 2 tasks finished, total 36", "testwork 0 done"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "forged") {
		t.Errorf("a refused post was counted:\n%s", out)
	}
}
