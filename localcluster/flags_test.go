package localcluster

import (
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

func TestRegisterFlags(t *testing.T) {
	credsFile := filepath.Join(t.TempDir(), "credentials")
	if err := os.WriteFile(credsFile, []byte("batchd s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want Config
	}{
		{name: "defaults", want: Config{}},
		{name: "all", args: []string{"--listen", "127.0.0.1:5050", "--agents", "3", "--cpus", "2", "--mem", "512", "--disk", "100",
			"--work_dir", "/w", "--fetch_cache_bytes", "10", "--heartbeat", "1s", "--offer_interval", "2s", "--offer_timeout", "3s",
			"--attributes", "rack:a;zone:2", "--attributes", "rack:b"},
			want: Config{Listen: "127.0.0.1:5050", Agents: 3, CPUs: 2, MemMB: 512, DiskMB: 100, WorkDir: "/w", FetchCacheBytes: 10,
				HeartbeatInterval: time.Second, OfferInterval: 2 * time.Second, OfferTimeout: 3 * time.Second,
				Attributes: []string{"rack:a;zone:2", "rack:b"}}},
		{name: "credentials", args: []string{"--credentials", credsFile},
			want: Config{Credentials: map[string]string{"batchd": "s3cret"}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var cfg Config
			fs := flag.NewFlagSet("local-cluster", flag.ContinueOnError)
			cfg.RegisterFlags(fs)
			if err := fs.Parse(tc.args); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(cfg, tc.want) {
				t.Errorf("got %+v, want %+v", cfg, tc.want)
			}
		})
	}
}
