package archivefetch

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
)

func TestConfigure(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		want     Config
		wantErr  []string // each must appear in the error
	}{
		{name: "empty", settings: "", want: DefaultConfig()},
		{name: "empty object", settings: "{}", want: DefaultConfig()},
		{name: "GiB string", settings: `{"max_bytes": "8GiB"}`, want: Config{MaxBytes: 8 << 30, MaxFiles: 100_000}},
		{name: "MB with a space", settings: `{"max_bytes": "500 MB"}`, want: Config{MaxBytes: 500e6, MaxFiles: 100_000}},
		{name: "number of bytes", settings: `{"max_bytes": 1048576, "max_files": 10}`, want: Config{MaxBytes: 1 << 20, MaxFiles: 10}},
		{name: "plain string", settings: `{"max_bytes": "4096"}`, want: Config{MaxBytes: 4096, MaxFiles: 100_000}},
		{name: "unknown key", settings: `{"max_size": "1GiB"}`, wantErr: []string{"max_size: ", "unknown key"}},
		{name: "bad unit", settings: `{"max_bytes": "8 parsecs"}`, wantErr: []string{"max_bytes: ", "8 parsecs"}},
		{name: "negative", settings: `{"max_bytes": -1}`, wantErr: []string{"max_bytes: ", "not a positive size"}},
		{name: "overflow", settings: `{"max_bytes": "99999999999TiB"}`, wantErr: []string{"max_bytes: "}},
		{name: "files not a number", settings: `{"max_files": "many"}`, wantErr: []string{"max_files: "}},
		{name: "zero files", settings: `{"max_files": 0}`, wantErr: []string{"max_files: ", "positive"}},
		{name: "too many files", settings: `{"max_files": 3000000000}`, wantErr: []string{"max_files: ", "too many"}},
		{name: "every problem reported", settings: `{"max_files": 0, "max_bytes": "x", "color": 1}`,
			wantErr: []string{"max_files: ", "max_bytes: ", "color: "}},
		{name: "not an object", settings: `[1]`, wantErr: []string{"configuring archive fetcher"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := New(DefaultConfig())
			err := f.Configure(context.Background(), json.RawMessage(tc.settings))
			if tc.wantErr != nil {
				if !errors.Is(err, fetcher.ErrInvalidConfig) {
					t.Fatalf("Configure: %v, want ErrInvalidConfig", err)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %q", err, w)
					}
				}
				if f.cfg != DefaultConfig() {
					t.Errorf("a failed Configure changed the config to %+v", f.cfg)
				}
				return
			}
			if err != nil {
				t.Fatalf("Configure: %v", err)
			}
			if f.cfg != tc.want {
				t.Errorf("config %+v, want %+v", f.cfg, tc.want)
			}
		})
	}
}
