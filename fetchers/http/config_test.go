package httpfetch

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

func TestConfigure(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		want     func(Config) bool
		wantErrs []string // each must appear in the error
	}{
		{"empty", ``, func(c Config) bool { return c.Retries == 4 }, nil},
		{"empty object", `{}`, func(c Config) bool { return c.MaxRedirects == 10 }, nil},
		{
			"full example",
			`{"timeout":"30s","retries":4,"headers":{"Authorization":"Basic eA=="},"max_redirects":10,"backoff":"200ms"}`,
			func(c Config) bool {
				return c.ConnectTimeout == 30*time.Second && c.ResponseHeaderTimeout == 30*time.Second &&
					c.IdleTimeout == 30*time.Second && c.Retries == 4 && c.MaxRedirects == 10 &&
					c.Backoff == 200*time.Millisecond && c.Headers["Authorization"] == "Basic eA=="
			},
			nil,
		},
		{
			"specific timeout overrides timeout",
			`{"idle_timeout":"2m","timeout":"5s","connect_timeout":"1s","max_backoff":"1m","retries":0}`,
			func(c Config) bool {
				return c.ConnectTimeout == time.Second && c.ResponseHeaderTimeout == 5*time.Second &&
					c.IdleTimeout == 2*time.Minute && c.MaxBackoff == time.Minute && c.Retries == 0
			},
			nil,
		},
		{"unknown key", `{"timeout":"1s","proxy":"x"}`, nil, []string{`proxy: unknown key`}},
		{"several problems", `{"retries":-1,"backoff":"fast","bogus":1}`, nil, []string{"retries", "backoff", "bogus"}},
		{"number for duration", `{"timeout":30}`, nil, []string{"timeout"}},
		{"zero duration", `{"timeout":"0s"}`, nil, []string{"timeout", "positive"}},
		{"managed header", `{"headers":{"range":"bytes=0-"}}`, nil, []string{"headers", "managed"}},
		{"header value with newline", `{"headers":{"X-A":"a\r\nHost: evil"}}`, nil, []string{"headers", "control character"}},
		{"bad header name", `{"headers":{"X A":"1"}}`, nil, []string{"headers", "not a valid token"}},
		{"headers not strings", `{"headers":{"X-N":1}}`, nil, []string{"headers"}},
		{"missing ca_file", `{"ca_file":"/nonexistent/ca.pem"}`, nil, []string{"ca_file"}},
		{"not an object", `["timeout"]`, nil, []string{"invalid config"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := New(DefaultConfig())
			err := f.Configure(context.Background(), json.RawMessage(tt.settings))
			if tt.wantErrs == nil {
				if err != nil {
					t.Fatalf("Configure: %v", err)
				}
				if c := f.client.Load().cfg; !tt.want(c) {
					t.Errorf("config = %+v", c)
				}
				return
			}
			if !errors.Is(err, fetcher.ErrInvalidConfig) {
				t.Fatalf("error = %v, want ErrInvalidConfig", err)
			}
			for _, s := range tt.wantErrs {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

func TestConfigureKeepsOldSettingsOnError(t *testing.T) {
	f := New(DefaultConfig())
	if err := f.Configure(context.Background(), json.RawMessage(`{"retries":7}`)); err != nil {
		t.Fatal(err)
	}
	if err := f.Configure(context.Background(), json.RawMessage(`{"retries":"many"}`)); err == nil {
		t.Fatal("Configure accepted a bad value")
	}
	if got := f.client.Load().cfg.Retries; got != 7 {
		t.Errorf("Retries = %d after a failed Configure, want 7", got)
	}
}

func TestNewWithBadCAFile(t *testing.T) {
	cfg := testConfig()
	cfg.CAFile = filepath.Join(t.TempDir(), "missing.pem")
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {})
	_, _, err := fetchertest.Fetch(t, context.Background(), New(cfg), srv.URL, nil)
	if !errors.Is(err, fetcher.ErrInvalidConfig) {
		t.Fatalf("error = %v, want ErrInvalidConfig", err)
	}
}
