package httpfetch

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// Config holds the HTTP fetcher's settings. In JSON (Configure) durations
// are strings such as "30s".
type Config struct {
	// ConnectTimeout bounds dialing and the TLS handshake ("connect_timeout").
	ConnectTimeout time.Duration
	// ResponseHeaderTimeout bounds the wait for the response headers once
	// the request is sent ("response_header_timeout").
	ResponseHeaderTimeout time.Duration
	// IdleTimeout bounds the wait for the next body bytes ("idle_timeout").
	// A download may take as long as it needs while bytes keep coming.
	IdleTimeout time.Duration
	// RetrySettings say how often and how fast a failed attempt is retried
	// ("retries", "backoff", "max_backoff"): connection errors, timeouts,
	// short bodies, 5xx, 408 and 429 are. A server's Retry-After is
	// honoured up to MaxBackoff.
	sdk.RetrySettings
	// MaxRedirects is how many redirects one request may follow ("max_redirects").
	MaxRedirects int
	// Headers are added to every request ("headers"), for example
	// Authorization. They are never logged nor put in errors.
	Headers map[string]string
	// CAFile names a PEM bundle trusted in addition to the system roots ("ca_file").
	CAFile string
}

// DefaultConfig returns the settings used when Configure gives none.
func DefaultConfig() Config {
	return Config{
		ConnectTimeout:        10 * time.Second,
		ResponseHeaderTimeout: 30 * time.Second,
		IdleTimeout:           30 * time.Second,
		RetrySettings:         sdk.RetrySettings{Retries: 4, Backoff: 200 * time.Millisecond, MaxBackoff: 30 * time.Second},
		MaxRedirects:          10,
	}
}

// applyJSON overlays the JSON settings on c. "timeout" sets the connect,
// response-header and idle timeouts at once; the specific keys override
// it. Every problem is reported, each wrapping sdk.ErrInvalidConfig and
// naming its key.
func (c Config) applyJSON(settings json.RawMessage) (Config, error) {
	// "timeout" first, so the specific timeouts override it.
	if err := sdk.DecodeSettings("http fetcher", settings, c.set, "timeout"); err != nil {
		return c, err
	}
	return c, nil
}

// set decodes one setting into c.
func (c *Config) set(key string, raw json.RawMessage) error {
	if ok, err := c.RetrySettings.Set(key, raw); ok {
		return err
	}
	switch key {
	case "timeout":
		var d time.Duration
		if err := sdk.SettingDuration(raw, &d); err != nil {
			return err
		}
		c.ConnectTimeout, c.ResponseHeaderTimeout, c.IdleTimeout = d, d, d
		return nil
	case "connect_timeout":
		return sdk.SettingDuration(raw, &c.ConnectTimeout)
	case "response_header_timeout":
		return sdk.SettingDuration(raw, &c.ResponseHeaderTimeout)
	case "idle_timeout":
		return sdk.SettingDuration(raw, &c.IdleTimeout)
	case "max_redirects":
		return sdk.SettingCount(raw, &c.MaxRedirects, 0)
	case "headers":
		var h map[string]string
		if err := json.Unmarshal(raw, &h); err != nil {
			return fmt.Errorf("want an object of strings")
		}
		for name, value := range h {
			if err := checkHeader(name, value); err != nil {
				return err
			}
		}
		c.Headers = h
		return nil
	case "ca_file":
		if err := json.Unmarshal(raw, &c.CAFile); err != nil {
			return fmt.Errorf("want a file path string")
		}
		if _, err := os.Stat(c.CAFile); err != nil {
			return err
		}
		return nil
	}
	return fmt.Errorf("unknown key")
}

// checkHeader refuses malformed headers and those the fetcher sets
// itself. The value never appears in the error: it may be a secret.
func checkHeader(name, value string) error {
	if name == "" {
		return fmt.Errorf("empty header name")
	}
	for _, r := range name {
		if r <= ' ' || r >= 0x7f || strings.ContainsRune(`"(),/:;<=>?@[\]{}`, r) {
			return fmt.Errorf("header name %q is not a valid token", name)
		}
	}
	for _, r := range value {
		if (r < ' ' && r != '\t') || r == 0x7f {
			return fmt.Errorf("header %q: value holds a control character", name)
		}
	}
	switch http.CanonicalHeaderKey(name) {
	case "Range", "If-Range", "Host", "Content-Length", "Accept-Encoding", "Transfer-Encoding", "Connection":
		return fmt.Errorf("header %q is managed by the fetcher", name)
	}
	return nil
}
