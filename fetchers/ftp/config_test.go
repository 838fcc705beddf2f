package ftpfetch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/sdk"
)

func TestConfigure(t *testing.T) {
	dir := t.TempDir()
	pwFile := filepath.Join(dir, "pw")
	if err := os.WriteFile(pwFile, []byte("from-file\r\nsecond line\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BATCHD_FTP_TEST_PW", "from-env")
	cases := []struct {
		name     string
		settings string
		check    func(t *testing.T, c Config)
		errKeys  []string // each must be named in the error; nil means success
	}{
		{"empty", ``, func(t *testing.T, c Config) {
			if c.Timeout != 30*time.Second || c.MaxConnections != 4 || c.Retries != 4 {
				t.Errorf("defaults not kept: %+v", c)
			}
		}, nil},
		{"all keys", `{"user": "u", "password_file": "` + pwFile + `", "disable_epsv": true, "timeout": "3s",
			"retries": 0, "backoff": "1ms", "max_backoff": "2ms", "max_connections": 9, "insecure_skip_verify": true}`,
			func(t *testing.T, c Config) {
				want := Config{User: "u", Password: "from-file", PasswordFile: pwFile, DisableEPSV: true, Timeout: 3 * time.Second,
					RetrySettings: sdk.RetrySettings{Backoff: time.Millisecond, MaxBackoff: 2 * time.Millisecond}, MaxConnections: 9, InsecureSkipVerify: true}
				if c != want {
					t.Errorf("got %+v\nwant %+v", c, want)
				}
			}, nil},
		{"password_env", `{"user": "u", "password_env": "BATCHD_FTP_TEST_PW"}`, func(t *testing.T, c Config) {
			if c.Password != "from-env" {
				t.Errorf("password not read from the environment")
			}
		}, nil},
		{"unknown key", `{"usr": "u", "passive": true}`, nil, []string{"usr", "passive", "unknown key"}},
		{"password in config", `{"password": "hunter2"}`, nil, []string{"password_file or password_env"}},
		{"bad values", `{"timeout": "soon", "retries": -1, "max_connections": 0, "disable_epsv": "yes", "backoff": "-1s"}`, nil,
			[]string{"timeout", "retries", "max_connections", "disable_epsv", "backoff"}},
		{"missing files", `{"password_file": "` + filepath.Join(dir, "none") + `", "ca_file": "` + filepath.Join(dir, "none.pem") + `"}`, nil,
			[]string{"ca_file"}},
		{"password file missing", `{"password_file": "` + filepath.Join(dir, "none") + `"}`, nil, []string{"password_file"}},
		{"unset env", `{"password_env": "BATCHD_FTP_TEST_UNSET"}`, nil, []string{"BATCHD_FTP_TEST_UNSET is not set"}},
		{"both sources", `{"password_env": "BATCHD_FTP_TEST_PW", "password_file": "` + pwFile + `"}`, nil, []string{"not both"}},
		{"ca_file without certificates", `{"ca_file": "` + pwFile + `"}`, nil, []string{"holds no PEM certificate"}},
		{"not an object", `[1]`, nil, []string{"invalid config"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := New(DefaultConfig())
			err := f.Configure(context.Background(), []byte(tc.settings))
			if tc.errKeys == nil {
				if err != nil {
					t.Fatal(err)
				}
				tc.check(t, f.state.Load().cfg)
				return
			}
			if !errors.Is(err, fetcher.ErrInvalidConfig) {
				t.Fatalf("err = %v, want ErrInvalidConfig", err)
			}
			for _, k := range tc.errKeys {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("err = %v, want it to name %q", err, k)
				}
			}
			for _, secret := range []string{"from-file", "from-env", "hunter2"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("err = %v holds a password", err)
				}
			}
			if got := f.state.Load().cfg; got.Timeout != 30*time.Second {
				t.Errorf("a failed Configure changed the settings: %+v", got)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	info, err := New(DefaultConfig()).Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "ftp" || strings.Join(info.Schemes, ",") != "ftp,ftps" {
		t.Errorf("Describe = %+v", info)
	}
}
