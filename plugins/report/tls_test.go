package report

import (
	"context"
	"encoding/pem"
	"io"
	"log"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestPostTLS: over https, Post trusts the CA in $BATCHD_COLLECTOR_CA (PEM
// text, or the path of a PEM file) besides the system's roots; without it,
// a collector whose certificate the system does not trust fails at once,
// with the certificate error and no retry.
func TestPostTLS(t *testing.T) {
	c := &collector{bodies: make(chan string, 1)}
	srv := httptest.NewUnstartedServer(c)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshakes
	srv.StartTLS()                                   // a self-signed certificate for 127.0.0.1
	t.Cleanup(srv.Close)
	caPEM := string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}))
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, []byte(caPEM), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		ca        string // EnvCollectorCA; empty: unset
		wantPosts int32
		wantErr   string // empty: success
	}{
		{name: "PEM text", ca: caPEM, wantPosts: 1},
		{name: "PEM file", ca: caFile, wantPosts: 1},
		{name: "no CA", wantPosts: 0, wantErr: "certificate signed by unknown authority"},
		{name: "not PEM", ca: "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
			wantErr: "report: BATCHD_COLLECTOR_CA: no PEM certificate in it"},
		{name: "missing file", ca: filepath.Join(t.TempDir(), "none.pem"),
			wantErr: "report: BATCHD_COLLECTOR_CA: reading the CA file: open "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c.posts.Store(0)
			t.Setenv(EnvCollectorURL, srv.URL+"/v1/results/3.0")
			t.Setenv(EnvTaskToken, "tok-7")
			t.Setenv(EnvCollectorCA, tt.ca)
			v := newVirtual()
			err := v.p.post(context.Background(), map[string]int{"sum": 6}, "sum = 6")
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Post: %v", err)
				}
				if got := <-c.bodies; !strings.Contains(got, `"sum":6`) {
					t.Errorf("body = %s", got)
				}
			} else if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Post error = %v, want one containing %q", err, tt.wantErr)
			}
			if got := c.posts.Load(); got != tt.wantPosts {
				t.Errorf("collector saw %d posts, want %d", got, tt.wantPosts)
			}
			if len(v.pauses) != 0 {
				t.Errorf("pauses %v: want no retry", v.pauses)
			}
		})
	}
}
